"""The hot reads' connections: kept outside the pool, in autocommit, one statement a read.

On SQLite a read asked with `reuse` is answered from what the same connection read before
while no other connection has committed to the database file since (this one never
writes): exact across every worker and replica on the file. Whether anything was committed
is read from the WAL index's header, the first 96 bytes of the `-shm` file, which SQLite
itself compares to tell whether its cache is stale: two copies of a 48-byte header that
every commit rewrites before it returns (https://www.sqlite.org/walformat.html). Kept
mapped, it is a read of memory, with no call into SQLite (which would let go of the
interpreter's lock and take it back). When the header cannot be read, or its two copies
differ (a commit is writing it), `PRAGMA data_version` is asked instead.
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

KEPT_READERS = 2
"""Connections each server process keeps for the hot reads, beside its pool."""
READER_SECONDS = 300.0
"""A kept connection is replaced after this long, as the pool recycles its own."""
REUSED_ROWS = 1024
"""Rows one SQLite connection keeps for `reuse` reads between two commits elsewhere."""
UNAVAILABLE = "the store is unavailable, retry the request"

_Key = tuple[int, tuple[tuple[str, Any], ...]]


class Unreachable(Unavailable):
    """The database did not answer: a connection refused, dropped or timed out."""

    def __init__(self) -> None:
        super().__init__(UNAVAILABLE)


def close_quietly(conn: Any) -> None:
    with contextlib.suppress(Exception):  # a broken connection may fail to close; it is gone
        conn.close()


_WAL_HEADER = 48
"""Bytes of one copy of the WAL index's header; the `-shm` file begins with two."""


def wal_index(database: str | None) -> mmap.mmap | None:
    """The WAL index's header of a SQLite file database in WAL mode, mapped read-only (None
    when there is none to map: an in-memory database, another journal mode)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    try:
        with open(f"{database}-shm", "rb") as shm:
            return mmap.mmap(shm.fileno(), 2 * _WAL_HEADER, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # absent, or shorter than the header
        return None


class _Reader:
    __slots__ = ("conn", "rows", "since", "version", "wal")

    def __init__(self, conn: Any, since: float, wal: mmap.mmap | None = None) -> None:
        self.conn = conn
        self.since = since
        self.wal = wal
        self.version: object = None  # what said nothing changed when `rows` were read
        self.rows: dict[_Key, dict[str, Any] | None] = {}

    def committed_version(self) -> object:
        """What changes whenever another connection commits (SQLite): the WAL index's
        header, or `PRAGMA data_version` when the header is not there to read whole."""
        if self.wal is not None:
            header = self.wal[: 2 * _WAL_HEADER]
            if header[:_WAL_HEADER] == header[_WAL_HEADER:]:
                return header
        cursor = self.conn.cursor()
        try:
            return cursor.execute("PRAGMA data_version").fetchone()[0]
        finally:
            cursor.close()

    def close(self) -> None:
        if self.wal is not None:
            self.wal.close()
        close_quietly(self.conn)


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
                reader.close()  # possibly broken: never used again
                if fresh:
                    raise Unreachable() from exc
                continue
            if len(self._kept) < KEPT_READERS:
                self._kept.append(reader)
            else:
                reader.close()
            return row
        raise AssertionError("unreachable")

    def _read(
        self, reader: _Reader, statement: Prebuilt, params: dict[str, Any], *, reuse: bool
    ) -> dict[str, Any] | None:
        key: _Key | None = None
        if reuse:
            version = reader.committed_version()
            key = (id(statement), tuple(sorted(params.items())))
            if version == reader.version and key in reader.rows:
                return reader.rows[key]
            if version != reader.version or len(reader.rows) >= REUSED_ROWS:
                reader.rows.clear()
                reader.version = version
        text, bound, names = statement.for_driver(self.engine.dialect, params)
        cursor = reader.conn.cursor()
        try:
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
            reader.close()
        # Checking out a raw connection raises the driver's own errors (a refused or
        # dropped connection) unwrapped, not SQLAlchemy's.
        driver_error = self.engine.dialect.loaded_dbapi.Error
        try:
            conn = self.engine.raw_connection()
        except (SQLAlchemyError, driver_error) as exc:
            raise Unreachable() from exc
        raw: Any = conn.dbapi_connection
        conn.detach()  # no longer the pool's: closing it closes it
        if self.is_sqlite:  # its connections run without implicit transactions
            return _Reader(raw, now, wal_index(self.engine.url.database))
        try:
            raw.rollback()  # whatever a ping began
            raw.autocommit = True
        except driver_error as exc:
            close_quietly(raw)
            raise Unreachable() from exc
        return _Reader(raw, now)

    def close(self) -> None:
        while self._kept:
            self._kept.pop().close()
