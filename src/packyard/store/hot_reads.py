"""The hot reads' connections: kept outside the pool, in autocommit, one statement a read.

On SQLite a read asked with `reuse` is answered from what the same connection read before
while no other connection has committed to the database file since (this one never
writes): exact across every worker and replica on the file. Whether anything was committed
is read from the WAL index's header in memory (`store/wal_index.py`), or asked with
`PRAGMA data_version` when the header is not there to read whole.
"""

from __future__ import annotations

import contextlib
import mmap
import time
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from packyard.errors import Unavailable
from packyard.store.prebuilt import Prebuilt
from packyard.store.wal_index import committed, header_of

KEPT_READERS = 2
"""Connections each server process keeps for the hot reads, beside its pool."""
READER_SECONDS = 300.0
"""A kept connection is replaced after this long, as the pool recycles its own."""
REUSED_ROWS = 1024
"""Rows one SQLite connection keeps for `reuse` reads between two commits elsewhere."""
UNAVAILABLE = "the store is unavailable, retry the request"

RowKey = tuple[int, tuple[tuple[str, Any], ...]]
_UNREAD: Any = object()


def row_key(statement: Prebuilt, params: dict[str, Any]) -> RowKey:
    """What a read's row is kept or shared under: the statement and its parameters in the
    caller's order. Two orders of the same values are two keys (a row read twice), never
    one key for two readings."""
    return (id(statement), tuple(params.items()))


class Unreachable(Unavailable):
    """The database did not answer: a connection refused, dropped or timed out."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


def close_quietly(conn: Any) -> None:
    with contextlib.suppress(Exception):  # a broken connection may fail to close; it is gone
        conn.close()


class _Reader:
    __slots__ = ("conn", "rows", "since", "version", "wal")

    def __init__(self, conn: Any, since: float, wal: mmap.mmap | None = None) -> None:
        self.conn = conn
        self.since = since
        self.wal = wal  # the WAL index this connection uses, mapped (SQLite)
        self.version: object = None  # what said nothing changed when `rows` were read
        self.rows: dict[RowKey, dict[str, Any] | None] = {}

    def committed_version(self) -> object:
        """What changes whenever another connection commits (SQLite)."""
        if self.wal is not None:
            header = committed(self.wal)
            if header is not None:
                return header
        cursor = self.conn.cursor()
        try:
            return cursor.execute("PRAGMA data_version").fetchone()[0]
        finally:
            cursor.close()


def _wal_index(conn: Any, database: str | None) -> mmap.mmap | None:
    """The WAL index of a fresh SQLite connection's file, mapped once the connection has
    read (so holds SQLite's locks on it; see `store/wal_index.py`); None for an in-memory
    database or another journal mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    cursor = conn.cursor()
    try:
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        cursor.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    finally:
        cursor.close()
    return header_of(database) if str(mode).lower() == "wal" else None


class HotReader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._kept: list[_Reader] = []

    def read_one(
        self, statement: Prebuilt, params: dict[str, Any], *, reuse: bool = False
    ) -> dict[str, Any] | None:
        """One row of a single-statement read, its values as the driver gives them (not to
        be changed by the caller: a reused row is shared). A connection kept since an earlier
        read that fails is dropped and the read asked once more on a fresh one (the database
        may have restarted meanwhile)."""
        driver_error = self.engine.dialect.loaded_dbapi.Error
        for fresh in (False, True):
            reader = self._reader(fresh=fresh)
            try:
                row = self._read(reader, statement, params, reuse=reuse and self.is_sqlite)
            except driver_error as exc:
                close_quietly(reader.conn)  # possibly broken: never used again
                if fresh:
                    raise Unreachable() from exc
                continue
            if len(self._kept) < KEPT_READERS:
                self._kept.append(reader)
            else:
                close_quietly(reader.conn)
            return row
        raise AssertionError("unreachable")

    def _read(
        self, reader: _Reader, statement: Prebuilt, params: dict[str, Any], *, reuse: bool
    ) -> dict[str, Any] | None:
        key: RowKey | None = None
        if reuse:
            version = reader.committed_version()
            key = row_key(statement, params)
            if version == reader.version:
                kept: dict[str, Any] | None = reader.rows.get(key, _UNREAD)
                if kept is not _UNREAD:
                    return kept
            if version != reader.version or len(reader.rows) >= REUSED_ROWS:
                reader.rows.clear()
                reader.version = version
        cursor = reader.conn.cursor()
        try:
            text, bound, names = statement.for_driver(self.engine.dialect, params)
            cursor.execute(text, bound)
            found = cursor.fetchone()
        finally:
            cursor.close()
        row = None if found is None else dict(zip(names, found, strict=True))
        if key is not None:
            reader.rows[key] = row
        return row

    def _reader(self, *, fresh: bool) -> _Reader:
        """A connection kept from an earlier read (unless `fresh`), else one taken out of
        the pool for good (pinged first if it sat idle there), in autocommit so that a read is
        one round trip with no BEGIN or ROLLBACK around it."""
        now = time.monotonic()
        while not fresh and self._kept:
            reader = self._kept.pop()
            if now - reader.since < READER_SECONDS:
                return reader
            close_quietly(reader.conn)
        # Checking out a raw connection raises the driver's own errors (a refused or
        # dropped connection) unwrapped, not SQLAlchemy's.
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            conn = self.engine.raw_connection()
        except (SQLAlchemyError, driver_error) as exc:
            raise Unreachable() from exc
        raw: Any = conn.dbapi_connection
        conn.detach()  # no longer the pool's: closing it closes it
        try:
            if self.is_sqlite:  # its connections run without implicit transactions
                return _Reader(raw, now, _wal_index(raw, self.engine.url.database))
            raw.rollback()  # whatever a ping began
            raw.autocommit = True
        except driver_error as exc:
            close_quietly(raw)
            raise Unreachable() from exc
        return _Reader(raw, now)

    def close(self) -> None:
        while self._kept:
            close_quietly(self._kept.pop().conn)
