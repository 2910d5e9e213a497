"""Statements built once and run on the transaction's own driver connection.

SQLAlchemy Core spends two to three times SQLite's own time on each execution of a cached
statement (an execution context, its cache key, parameter and result processing, events),
and a push asks some ninety statements. A `Prebuilt` statement is compiled once per dialect
and set of parameter names, with its parameters' and columns' type processors looked up
once; running it hands the SQL to the driver directly, inside the same transaction, and
gives rows with the attribute names a Core row has. Only for statements whose every value is
bound (no Python-side column defaults, no expanding `IN` lists): SELECTs and UPDATEs.

The engine's `before_cursor_execute` listeners still see every statement (the statement
counts are held by a test), and a driver error becomes SQLAlchemy's own exception class, so
the store's error mapping is the one for every statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Delete, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None


class PrebuiltRow(tuple[Any, ...]):
    """A row: a tuple whose fields are also attributes, and `_mapping` as a Core row's."""

    _fields: tuple[str, ...] = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))


def _row_class(keys: tuple[str, ...]) -> type[PrebuiltRow]:
    attributes: dict[str, Any] = {"_fields": keys, "__slots__": ()}
    for index, key in enumerate(keys):
        attributes.setdefault(key, property(itemgetter(index)))
    return type("Row", (PrebuiltRow,), attributes)


class Rows(list[Any]):
    """What running a statement gives: its rows, and how many rows it changed."""

    rowcount: int = -1

    def first(self) -> Any:
        return self[0] if self else None

    def all(self) -> list[Any]:
        return list(self)

    def scalar(self) -> Any:
        return self[0][0] if self else None


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...] | None  # the positional order (qmark); None: named (pyformat)
    defaults: Mapping[str, Any]  # values the statement binds itself (literals in it)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    row: type[PrebuiltRow] | None
    results: tuple[Processor, ...]


class Prebuilt:
    """A SELECT, UPDATE or DELETE built at import time, run without Core's per-call work."""

    def __init__(self, statement: Select[Any] | Update | Delete) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, frozenset[str]], _Plan] = {}

    def _plan(self, dialect: Dialect, keys: frozenset[str]) -> _Plan:
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = self._plans[(dialect.name, keys)] = self._compile(dialect, keys)
        return plan

    def _compile(self, dialect: Dialect, keys: frozenset[str]) -> _Plan:
        compiled = self.statement.compile(dialect=dialect, column_keys=sorted(keys))
        binds = []
        defaults = {}
        for name, parameter in compiled.binds.items():
            assert not parameter.expanding, "an expanding IN is not prebuilt"
            if not parameter.required:
                defaults[name] = parameter.effective_value
            process = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        row: type[PrebuiltRow] | None = None
        results: tuple[Processor, ...] = ()
        if isinstance(self.statement, Select):
            columns = list(self.statement.selected_columns)
            row = _row_class(tuple(str(column.key) for column in columns))
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
        return _Plan(
            sql=str(compiled),
            names=tuple(compiled.positiontup) if compiled.positiontup else None,
            defaults=defaults,
            binds=tuple(binds),
            row=row,
            results=results,
        )

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Rows:
        """The statement's rows (for a SELECT) and rowcount, in the connection's transaction."""
        given = params or {}
        plan = self._plan(conn.dialect, frozenset(given))
        values = {**plan.defaults, **given}
        for name, process in plan.binds:
            values[name] = process(values[name])
        bound: Any = [values[name] for name in plan.names] if plan.names is not None else values
        fetched, count = _send(conn, plan.sql, bound, fetch=plan.row is not None)
        rows = Rows(_converted(plan, fetched))
        rows.rowcount = count
        return rows


def run_driver_sql(conn: Connection, sql: str) -> None:
    """A statement without parameters or rows (say, BEGIN IMMEDIATE), sent the same way."""
    _send(conn, sql, (), fetch=False)


def _send(conn: Connection, sql: str, bound: Any, *, fetch: bool) -> tuple[list[Any], int]:
    """`sql` run on the driver's own cursor in the connection's transaction: its rows (if
    `fetch`) and rowcount. The engine's statement listeners are told first; a driver error is
    raised as SQLAlchemy's, and a dropped connection is invalidated."""
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        if conn.dispatch.before_cursor_execute:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, bound, None, False)
        try:
            cursor.execute(sql, bound)
            return (cursor.fetchall() if fetch else []), cursor.rowcount
        except conn.dialect.loaded_dbapi.Error as exc:
            gone = conn.dialect.is_disconnect(exc, driver, cursor)
            if gone:
                conn.invalidate(exc)
            error = conn.dialect.loaded_dbapi.Error
            raise DBAPIError.instance(sql, bound, exc, error, gone) from exc
    finally:
        cursor.close()


def _converted(plan: _Plan, fetched: Any) -> Iterator[PrebuiltRow]:
    row = plan.row
    if row is None:
        return
    processors = plan.results
    if not any(processors):
        for values in fetched:
            yield row(values)
        return
    for values in fetched:
        yield row(
            value if process is None else process(value)
            for value, process in zip(values, processors, strict=True)
        )
