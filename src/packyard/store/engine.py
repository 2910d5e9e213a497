"""Engine creation and the unit of work (one transaction per use case)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.exc import OperationalError

from packyard.errors import Unavailable


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writers can take the
        # write lock up front (BEGIN IMMEDIATE) instead of failing to upgrade later.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.info.get("write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


class Store:
    """Hands out transactions. Rolls back unless the block completes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._compiled: dict[int, tuple[str, list[str] | None, list[str]]] = {}

    def read_one(self, statement: Select[Any], params: dict[str, Any]) -> dict[str, Any] | None:
        """One row of a prebuilt, single-statement read on a raw pooled connection.

        The hot path: no transaction, no per-call statement compilation. Only for statements
        built once at import time, whose single SELECT is consistent on its own.
        """
        compiled = self._compiled.get(id(statement))
        if compiled is None:
            sql = statement.compile(dialect=self.engine.dialect)
            order = list(sql.positiontup) if sql.positiontup else None
            keys = [str(column.key) for column in statement.selected_columns]
            compiled = (str(sql), order, keys)
            self._compiled[id(statement)] = compiled
        text, positions, names = compiled
        try:
            conn = self.engine.raw_connection()
        except OperationalError as exc:
            raise Unavailable("the store is unavailable, retry the request") from exc
        try:
            cursor = conn.cursor()
            cursor.execute(text, [params[name] for name in positions] if positions else params)
            row = cursor.fetchone()
            cursor.close()
        except Exception as exc:
            raise Unavailable("the store is unavailable, retry the request") from exc
        finally:
            conn.close()
        return None if row is None else dict(zip(names, row, strict=True))

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                conn.info["write"] = write
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise Unavailable("the store is unavailable, retry the request") from exc

    def ping(self) -> bool:
        try:
            with self.transaction() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Unavailable:
            return False
        return True
