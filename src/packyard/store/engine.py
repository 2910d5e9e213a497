"""Engine creation and the unit of work (one transaction per use case).

Concurrency is the store's to settle, the same way on both backends:

- SQLite: writers take the database's write lock up front (BEGIN IMMEDIATE), so write
  transactions run one at a time; readers see a snapshot (WAL).
- PostgreSQL: write transactions run at READ COMMITTED and lock the bucket row they
  work in first (see `Repository`), so writes to one bucket run one at a time while other
  buckets and projects proceed; reads run at REPEATABLE READ, one snapshot each.
  A transaction that loses a deadlock is run again by `Store.retrying`; if it keeps
  losing, the caller gets `WriteConflict` (503, code 14). A writer that waits past the
  lock timeout gets 503, code 14 at once.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from psycopg.pq import TransactionStatus
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    literal_column,
    select,
    text,
)
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from packyard.config import PoolSettings
from packyard.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    RegistryError,
    Unavailable,
)
from packyard.store.awaited_reads import AwaitedReader
from packyard.store.hot_reads import UNAVAILABLE, HotReader, Unreachable
from packyard.store.prebuilt import Prebuilt, drop_queued, run_driver_sql, send_queued

T = TypeVar("T")

# SQLSTATEs after which running the same transaction again at once may well succeed.
RETRYABLE = {
    "40001": "serialization failure",
    "40P01": "deadlock",
}
LOCK_TIMEOUT = "55P03"


KEPT_TRANSACTIONS = 2
"""SQLite connections each server process keeps open for its transactions, beside its pool:
taking one is a list's pop, not a pool check-out with its reset on return."""


READY_SECONDS = 1.0
"""How long the database's answer to a readiness ping stands, unless a request finds the
database unreachable meanwhile: a flood of probes costs it one round trip a second per
server process, and a failure seen by any request is reported by the next probe."""

PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out
(and replaced if the ping fails: say, the database restarted meanwhile). One in use within
the last second is not: a request's transactions, back to back, skip a round trip each."""


_BEGIN, _BEGIN_WRITE = "BEGIN DEFERRED", "BEGIN IMMEDIATE"
_PING = Prebuilt(select(literal_column("1").label("answer")))


class WriteConflict(Unavailable):
    """Concurrent writers collided and retrying did not settle it; the client may retry."""


def make_engine(url: str, pool: PoolSettings | None = None) -> Engine:
    pool = pool or PoolSettings()
    if url.startswith("sqlite"):
        # The lock timeout bounds the wait for SQLite's write lock too (its busy timeout);
        # past it the request fails with "database is locked", which callers get as 503.
        busy = pool.lock_timeout_seconds
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy})
        _tune_sqlite(engine, busy_timeout_ms=max(1, int(busy * 1000)))
        return engine
    engine = create_engine(
        url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_recycle=pool.recycle_seconds,
        pool_pre_ping=False,  # pinged when idle instead (`_ping_when_idle`)
        connect_args={
            "connect_timeout": pool.connect_timeout_seconds,
            "application_name": "packyard",
        },
    )
    _tune_postgresql(engine, pool)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """The pool's pre-ping, only for a connection idle past `PING_AFTER_IDLE_SECONDS`: a
    failed ping raises DisconnectionError, upon which the pool drops the connection and
    hands out another (a fresh one when the rest are as stale)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc


def _tune_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers can take the
        # write lock up front (BEGIN IMMEDIATE) instead of failing to upgrade later.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        run_driver_sql(connection, _BEGIN_WRITE if connection.info.get("write") else _BEGIN)


def _tune_postgresql(engine: Engine, pool: PoolSettings) -> None:
    lock_timeout_ms = max(1, int(pool.lock_timeout_seconds * 1000))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # A writer never waits forever on a row lock (say, of a stalled replica).
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {lock_timeout_ms}")
        cursor.close()
        dbapi_connection.commit()


def _intact(conn: Connection) -> bool:
    """Whether the PostgreSQL transaction is open and no statement of it failed."""
    driver = conn.connection.driver_connection
    return driver is not None and driver.info.transaction_status == TransactionStatus.INTRANS


def translate(exc: SQLAlchemyError) -> RegistryError | None:
    """The domain error for a store failure the caller can act on; None for a bug."""
    if isinstance(exc, PoolTimeout):
        return Unavailable(UNAVAILABLE)
    if not isinstance(exc, DBAPIError):
        return None
    state = str(getattr(exc.orig, "sqlstate", None) or "")
    if state in RETRYABLE:
        return WriteConflict(
            f"the request collided with concurrent writes ({RETRYABLE[state]}); retry it"
        )
    if state == LOCK_TIMEOUT:
        # Not run again here: whatever held the lock this long may hold it longer.
        return Unavailable("the store is busy: a write waited too long for a lock; retry it")
    if isinstance(exc, DataError) or state[:2] in ("22", "54"):
        # PostgreSQL keeps the schema's lengths and no NUL characters (SQLite keeps either).
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else "bad value"
        return InvalidArgument(f"the store cannot keep a value of this request: {reason}")
    if isinstance(exc, IntegrityError):
        if state == "23503" or "FOREIGN KEY" in str(exc.orig):
            return FailedPrecondition("a record this request refers to was removed meanwhile")
        return AlreadyExists("the request conflicts with a record that exists already")
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        return Unreachable()
    return None


class Store:
    """Hands out transactions. Rolls back unless the block completes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._hot = HotReader(engine)
        self._awaited = None if self.is_sqlite else AwaitedReader(engine)
        self._answered_at = -math.inf  # when the database last answered a readiness ping
        # SQLite connections kept for transactions between them (see `transaction`).
        self._kept: list[Connection] = []

    def read_one(
        self, statement: Prebuilt, params: dict[str, Any], *, reuse: bool = False
    ) -> dict[str, Any] | None:
        """One row of a single-statement read on a connection kept for these reads (see
        `HotReader`): no transaction, no pool check-out, no per-call compilation. Only for
        statements whose single SELECT is consistent on its own; with `reuse`, only for
        those whose answer depends on nothing but the database's content."""
        try:
            return self._hot.read_one(statement, params, reuse=reuse)
        except Unreachable:
            self._answered_at = -math.inf
            raise

    async def read_one_awaited(
        self, statement: Prebuilt, params: dict[str, Any], *, reuse: bool = False
    ) -> dict[str, Any] | None:
        """`read_one`, awaited on the event loop: on PostgreSQL on a connection of the loop's
        own (see `AwaitedReader`), so that other requests are served during its round trip;
        on SQLite, where a read is answered in memory or from the file, as `read_one`."""
        if self._awaited is None:
            return self.read_one(statement, params, reuse=reuse)
        try:
            return await self._awaited.read_one(statement, params)
        except Unreachable:
            self._answered_at = -math.inf
            raise

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        try:
            if self.is_sqlite:
                with self._sqlite_transaction(write=write) as conn:
                    yield conn
                return
            with self.engine.connect() as conn:
                conn.info["write"] = write
                if not write:
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                try:
                    with conn.begin() as begun:
                        try:
                            yield conn
                        except RegistryError:
                            if not write and _intact(conn):
                                # A read that answers an error has nothing to undo: its
                                # COMMIT keeps the driver's prepared statements, which a
                                # ROLLBACK would make it drop (and prepare all over again).
                                begun.commit()
                            raise
                        # the queued last statements and the COMMIT: one round trip (the
                        # commit that leaving the block asks for is then a no-op)
                        send_queued(conn)
                finally:
                    drop_queued(conn)
        except SQLAlchemyError as exc:
            mapped = translate(exc)
            if mapped is None:
                raise
            if isinstance(mapped, Unreachable):
                self._answered_at = -math.inf
            raise mapped from exc

    @contextmanager
    def _sqlite_transaction(self, *, write: bool) -> Iterator[Connection]:
        """A transaction on a connection kept from an earlier one, else a new one. A file
        database's connection has nothing to go stale, and nothing of a finished transaction
        stays on it; one whose transaction failed in any way is closed, not kept."""
        try:
            conn = self._kept.pop()
        except IndexError:
            conn = self.engine.connect()
        try:
            conn.info["write"] = write
            with conn.begin():
                yield conn
                send_queued(conn)
        except BaseException:
            drop_queued(conn)
            conn.close()
            raise
        if len(self._kept) < KEPT_TRANSACTIONS and not conn.invalidated:
            self._kept.append(conn)
        else:
            conn.close()

    def dispose(self) -> None:
        """Close every connection this store holds, kept or pooled."""
        while self._kept:
            self._kept.pop().close()
        self._hot.close()
        self.engine.dispose()

    async def close_awaited(self) -> None:
        """Close the awaited reads' connections of the running event loop."""
        if self._awaited is not None:
            await self._awaited.close()

    def retrying(self, work: Callable[[], T], *, attempts: int = 4) -> T:
        """Run a whole transaction again when it lost to a concurrent writer."""
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except WriteConflict:
                if attempt == attempts:
                    raise
                time.sleep(random.uniform(0.005, 0.025) * attempt)
        raise AssertionError("unreachable")

    def exclusive(self, conn: Connection, name: str) -> None:
        """Hold a named lock until the transaction ends (one starting replica at a time).

        SQLite's write transactions exclude each other already.
        """
        if not self.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})

    def ping(self) -> bool:
        """Whether the database answers: one round trip on the hot reads' connection, unless
        it answered one within `READY_SECONDS` and no request found it unreachable since."""
        now = time.monotonic()
        if now - self._answered_at < READY_SECONDS:
            return True
        try:
            answered = self.read_one(_PING, {}) is not None
        except Unavailable:
            return False
        if answered:
            self._answered_at = now
        return answered
