"""A deep page of versions or buckets is one range of an index in id order: its query
skips no rows (OFFSET 0) and SQLite's plan for it walks the (bucket, id) or (project, id)
index, with no sort. So a page costs the same wherever it starts and however long the list
(a plan is deterministic, so this is not a timing test)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from packyard.store.engine import Store
from tests.support.in_process import in_process


@contextmanager
def captured(store: Store) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def seen(_conn, _cursor, statement, parameters, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


def _plan(store: Store, statement: str, parameters: Any) -> str:
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())
    finally:
        raw.close()


def _page_query(statements: list[tuple[str, Any]], table: str) -> tuple[str, Any]:
    found = [
        (sql, params)
        for sql, params in statements
        if f"FROM {table}" in sql and f"ORDER BY {table}." in sql and "LIMIT" in sql
    ]
    assert len(found) == 1, statements
    return found[0]


def test_a_deep_page_of_versions_and_of_buckets_is_an_index_range(tmp_path):
    with in_process(tmp_path) as served, served.api() as api:
        for n in range(3):
            assert api.put(api.v2 + "/buckets", json={"name": f"b{n}"}).status_code == 200
        for n in range(5):
            created = api.post(api.v2 + "/buckets/b1/versions", json={"fingerprint": f"f{n}"})
            assert created.status_code == 200, created.text
        lists = {
            "versions": api.v2 + "/buckets/b1/versions",
            "buckets": api.v2 + "/buckets",
        }
        for table, path in lists.items():
            first = api.get(path, params={"pagination.page_size": 2}).json()
            token = first["pagination"]["next_page_token"]
            with captured(served.store) as statements:
                deep = api.get(
                    path,
                    params={"pagination.page_size": 2, "pagination.next_page_token": token},
                )
            assert deep.status_code == 200, deep.text
            sql, params = _page_query(statements, table)
            assert sql.rstrip().endswith("LIMIT ? OFFSET ?") and params[-1] == 0  # SQLite's
            plan = _plan(served.store, sql, params)
            assert f"ix_{table}_" in plan and "_id_id" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
