"""Statements built once and run on the transaction's own driver connection.

SQLAlchemy Core spends two to three times SQLite's own time on each execution of a cached
statement (an execution context, its cache key, parameter and result processing, events),
and a push asks some ninety statements. A `Prebuilt` statement is compiled once per dialect
and set of parameter names, with its parameters' and columns' type processors looked up
once; running it hands the SQL to the driver directly, inside the same transaction, and
gives rows with the attribute names a Core row has. An INSERT's Python-side column defaults
(a constant, or a callable such as `dict`) are filled as Core fills them. An expanding `IN`
list is spelled out once for each length it is given at (a few dozen lengths kept per
statement). SQL-side defaults that must be fetched back are not prebuilt.

The engine's `before_cursor_execute` listeners still see every statement (the statement
counts are held by a test), and a driver error becomes SQLAlchemy's own exception class, so
the store's error mapping is the one for every statement.

A write's last statements, whose rows nobody reads (its audit line, its content stamp), can
be queued to go with the transaction's commit (`at_commit`): on PostgreSQL they and the
COMMIT are one round trip instead of one each (`send_queued`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any

from psycopg import ClientCursor
from sqlalchemy import Connection, Delete, Insert, Select, Update
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.schema import ColumnDefault

Processor = Callable[[Any], Any]
AT_COMMIT = "packyard.at_commit"
"""Where a connection's info holds the statements queued to go with its commit."""
EXPANSIONS_KEPT = 32
"""Spellings of one statement's expanding IN lists kept, by their lengths."""


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
    fills: tuple[tuple[str, Any, bool], ...]  # column defaults: (name, value or callable, call?)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    row: type[PrebuiltRow] | None
    results: tuple[tuple[int, Processor], ...]  # the columns a result processor converts
    expanding: tuple[str, ...] = ()  # the expanding IN lists, spelled out by `_expanded`
    compiled: Any = None  # what spells them out
    spread: tuple[tuple[str, tuple[str, ...]], ...] = ()  # an IN list's values: its names


class Prebuilt:
    """A statement built at import time, run without Core's per-call work."""

    def __init__(self, statement: Select[Any] | Insert | Update | Delete) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, frozenset[str]], _Plan] = {}
        self._expansions: dict[tuple[str, frozenset[str], tuple[int, ...]], _Plan] = {}

    def _plan(self, dialect: Dialect, given: Mapping[str, Any]) -> _Plan:
        keys = frozenset(given)
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = self._plans[(dialect.name, keys)] = self._compile(dialect, keys)
        if not plan.expanding:
            return plan
        lengths = tuple(len(given[name]) for name in plan.expanding)
        expanded = self._expansions.get((dialect.name, keys, lengths))
        if expanded is None:
            if len(self._expansions) >= EXPANSIONS_KEPT:
                self._expansions.clear()
            expanded = _expanded(plan, lengths)
            self._expansions[(dialect.name, keys, lengths)] = expanded
        return expanded

    def _compile(self, dialect: Dialect, keys: frozenset[str]) -> _Plan:
        compiled = self.statement.compile(dialect=dialect, column_keys=sorted(keys))
        binds = []
        defaults = {}
        expanding = []
        for name, parameter in compiled.binds.items():
            assert not parameter.literal_execute, "a value spelled into the SQL is not prebuilt"
            if parameter.expanding:
                expanding.append(name)
            elif not parameter.required:
                defaults[name] = parameter.effective_value
            process = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        fills = []
        for column, default in [(c, c.default) for c in compiled.insert_prefetch] + [
            (c, c.onupdate) for c in compiled.update_prefetch
        ]:
            assert isinstance(default, ColumnDefault) and not default.is_clause_element
            assert column.key in compiled.binds, "a column default is bound by its key"
            defaults.pop(column.key, None)
            fills.append((column.key, default.arg, bool(default.is_callable)))
        row: type[PrebuiltRow] | None = None
        results: tuple[tuple[int, Processor], ...] = ()
        columns = list(self.statement.exported_columns)  # a SELECT's, or what it RETURNs
        if columns:
            row = _row_class(tuple(str(column.key) for column in columns))
            processors = [
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            ]
            results = tuple(
                (at, process) for at, process in enumerate(processors) if process is not None
            )
        return _Plan(
            sql=str(compiled),
            names=tuple(compiled.positiontup) if compiled.positiontup else None,
            defaults=defaults,
            fills=tuple(fills),
            binds=tuple(binds),
            row=row,
            results=results,
            expanding=tuple(expanding),
            compiled=compiled if expanding else None,
        )

    def run(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Rows:
        """The statement's rows (for a SELECT) and rowcount, in the connection's transaction."""
        given = params or {}
        plan = self._plan(conn.dialect, given)
        fetched, count = _send(conn, plan.sql, _bound(plan, given), fetch=plan.row is not None)
        rows = Rows(_converted(plan, fetched))
        rows.rowcount = count
        return rows

    def at_commit(self, conn: Connection, params: Mapping[str, Any]) -> None:
        """The statement (one whose rows nobody reads) queued to run with the transaction's
        commit, after every statement run before that; the store sends it (`send_queued`),
        and drops it with the transaction if the transaction fails."""
        conn.info.setdefault(AT_COMMIT, []).append((self, dict(params)))

    def for_driver(
        self, dialect: Dialect, params: Mapping[str, Any]
    ) -> tuple[str, Any, tuple[str, ...]]:
        """The SQL, the driver's parameters and the names of the columns, for a statement run
        on a driver connection of the caller's own (its rows left as the driver gives them)."""
        plan = self._plan(dialect, params)
        return plan.sql, _bound(plan, params), plan.row._fields if plan.row else ()

    def run_many(self, conn: Connection, rows: list[Mapping[str, Any]]) -> None:
        """The statement once for each of `rows` (one driver call), which all give the same
        keys: an INSERT of many rows."""
        if not rows:
            return
        plan = self._plan(conn.dialect, rows[0])
        _send(conn, plan.sql, [_bound(plan, row) for row in rows], fetch=False, many=True)


def _expanded(plan: _Plan, lengths: tuple[int, ...]) -> _Plan:
    """The plan with its expanding IN lists spelled out at these lengths."""
    placeholders: dict[str, Any] = dict.fromkeys(plan.compiled.binds)
    placeholders.update(
        (name, [None] * length) for name, length in zip(plan.expanding, lengths, strict=True)
    )
    state = plan.compiled.construct_expanded_state(placeholders)
    spread = tuple((name, tuple(state.parameter_expansion[name])) for name in plan.expanding)
    names = dict(spread)
    binds = tuple(
        (each, process) for name, process in plan.binds for each in names.get(name, (name,))
    )
    return replace(
        plan,
        sql=state.statement,
        names=tuple(state.positiontup) if state.positiontup else None,
        binds=binds,
        expanding=(),
        compiled=None,
        spread=spread,
    )


def _bound(plan: _Plan, given: Mapping[str, Any]) -> Any:
    """The driver's parameters for one execution: given values (an IN list's spread over its
    names), the statement's own, column defaults, each through its type's bind processor, in
    the driver's order."""
    values = {**plan.defaults, **given}
    for name, each in plan.spread:
        values.update(zip(each, values.pop(name), strict=True))
    for name, default, call in plan.fills:
        values[name] = default(None) if call else default
    for name, process in plan.binds:
        values[name] = process(values[name])
    return [values[name] for name in plan.names] if plan.names is not None else values


def send_queued(conn: Connection) -> None:
    """Run the statements queued by `at_commit`, in order: on PostgreSQL with the COMMIT, in
    one simple query (their values spelled as literals by the driver, the way it quotes
    them); elsewhere each runs here, before the caller commits."""
    queued: list[tuple[Prebuilt, dict[str, Any]]] = conn.info.pop(AT_COMMIT, None) or []
    if not queued:
        return
    if conn.dialect.name != "postgresql":
        for statement, params in queued:
            statement.run(conn, params)
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    spelled = ClientCursor(driver)
    try:
        sql = "; ".join(
            spelled.mogrify(*statement.for_driver(conn.dialect, params)[:2])
            for statement, params in queued
        )
    finally:
        spelled.close()
    _send(conn, sql + "; COMMIT", None, fetch=False)


def drop_queued(conn: Connection) -> None:
    """Forget what a transaction queued for its commit (it did not commit)."""
    conn.info.pop(AT_COMMIT, None)


def run_driver_sql(conn: Connection, sql: str) -> None:
    """A statement without parameters or rows (say, BEGIN IMMEDIATE), sent the same way."""
    _send(conn, sql, (), fetch=False)


def _send(
    conn: Connection, sql: str, bound: Any, *, fetch: bool, many: bool = False
) -> tuple[list[Any], int]:
    """`sql` run on the driver's own cursor in the connection's transaction (once for each
    parameter set of `bound` if `many`): its rows (if `fetch`) and rowcount. The engine's
    statement listeners are told first; a driver error is raised as SQLAlchemy's, and a
    dropped connection is invalidated."""
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        if conn.dispatch.before_cursor_execute:
            conn.dispatch.before_cursor_execute(conn, cursor, sql, bound, None, many)
        try:
            if many:
                cursor.executemany(sql, bound)
            else:
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
    processed = plan.results
    if not processed:
        for values in fetched:
            yield row(values)
        return
    for values in fetched:
        converted = list(values)
        for at, process in processed:
            converted[at] = process(converted[at])
        yield row(converted)
