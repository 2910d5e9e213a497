"""A write's last step (its audit line and its registry's content stamp) goes with its commit,
on PostgreSQL in the commit's own round trip; a transaction that fails leaves neither. A read
that answers an error commits rather than rolls back, so the driver keeps its prepared
statements (psycopg drops them all at a ROLLBACK)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from packyard.auth.principals import Bootstrap, bootstrap
from packyard.cli_support import open_store
from packyard.config import Settings
from packyard.domain.audit import AuditEvent
from packyard.errors import NotFound
from packyard.ids import new_id, utcnow
from packyard.store.engine import Store
from packyard.store.tables import audit_events, registries
from packyard.store.work import Work
from tests.support.postgres import PostgresCluster


@contextmanager
def _opened(root: Path, database: str | None) -> Iterator[tuple[Store, Bootstrap]]:
    store = open_store(Settings(data_dir=root, database_url=database))
    with store.transaction(write=True) as conn:
        first = bootstrap(conn, now=utcnow())
    assert first is not None
    try:
        yield store, first
    finally:
        store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def opened(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Bootstrap]]:
    database = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database("commits")
    with _opened(tmp_path, database) as found:
        yield found


@pytest.fixture
def on_postgres(postgres: PostgresCluster, tmp_path: Path) -> Iterator[tuple[Store, Bootstrap]]:
    with _opened(tmp_path, postgres.create_database("prepared")) as found:
        yield found


def _event(project_id: str) -> AuditEvent:
    return AuditEvent(new_id(), utcnow(), "p", "admin", "Probe", "POST", "/probe", None, project_id)


def _written(store: Store, project_id: str) -> tuple[int, int]:
    """(audit lines of the project, its registry's content stamp)"""
    with store.transaction() as conn:
        lines = conn.execute(
            select(func.count()).where(audit_events.c.project_id == project_id)
        ).scalar_one()
        stamp = conn.execute(
            select(registries.c.content_version).where(registries.c.project_id == project_id)
        ).scalar_one()
    return lines, stamp


def _sent(store: Store) -> list[str]:
    sent: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", listen)
    return sent


def test_a_writes_last_step_lands_with_its_commit(opened: tuple[Store, Bootstrap]) -> None:
    store, first = opened
    project = first.project_id
    lines, stamp = _written(store, project)
    sent = _sent(store)
    with store.transaction(write=True) as conn:
        Work(conn).finish_write(_event(project), project_id=project)
        started = len(sent)  # SQLite's BEGIN IMMEDIATE
        assert not [s for s in sent if "audit_events" in s], "queued, not sent, until the commit"
    committed = sent[started:]
    assert _written(store, project) == (lines + 1, stamp + 1)
    if store.is_sqlite:
        assert [s.split()[0] for s in committed] == ["INSERT", "UPDATE"]
    else:
        # one simple query: the audit line, the stamp and the COMMIT in one round trip
        assert len(committed) == 1
        assert committed[0].startswith("INSERT INTO audit_events")
        assert "; UPDATE registries SET content_version" in committed[0]
        assert committed[0].endswith("; COMMIT")


def test_a_failed_write_leaves_no_audit_line_and_no_new_stamp(
    opened: tuple[Store, Bootstrap],
) -> None:
    store, first = opened
    project = first.project_id
    before = _written(store, project)
    with pytest.raises(NotFound), store.transaction(write=True) as conn:
        Work(conn).finish_write(_event(project), project_id=project)
        raise NotFound("refused after the last step was queued")
    assert _written(store, project) == before
    # nor does the next transaction on the (kept or pooled) connection send what was queued
    with store.transaction(write=True) as conn:
        conn.execute(text("SELECT 1"))
    assert _written(store, project) == before


def test_a_read_that_answers_an_error_keeps_the_prepared_statements(
    on_postgres: tuple[Store, Bootstrap],
) -> None:
    store, first = on_postgres

    def prepared() -> int:
        with store.transaction() as conn:
            return int(conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar())

    for _ in range(8):  # past psycopg's threshold, at which it prepares a statement
        _written(store, first.project_id)
    assert prepared() > 0
    with pytest.raises(NotFound), store.transaction() as conn:
        _ = conn.execute(select(registries.c.id)).all()
        raise NotFound("bucket not found")
    assert prepared() > 0
    # a write that fails is rolled back, as it must be (and the driver then starts afresh)
    with pytest.raises(NotFound), store.transaction(write=True) as conn:
        _ = conn.execute(select(registries.c.id)).all()
        raise NotFound("refused")
    assert prepared() == 0
