"""On PostgreSQL a pooled connection is pinged before it is handed out only when it sat idle
past PING_AFTER_IDLE_SECONDS: back-to-back transactions send no ping, and one idle
connection whose session the database ended meanwhile is replaced, not used."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from packyard.store import engine as engine_module
from packyard.store.engine import Store, make_engine
from tests.support.postgres import PostgresCluster

IDLE = 0.3  # seconds: this test's idle limit, so that it waits little


@pytest.fixture
def store(postgres: PostgresCluster, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", IDLE)
    store = Store(make_engine(postgres.create_database()))
    try:
        yield store
    finally:
        store.dispose()


def _pings(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    sent: list[Any] = []
    ping = store.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        sent.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(store.engine.dialect, "do_ping", counted)
    return sent


def _backend(store: Store) -> int:
    with store.transaction() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_back_to_back_transactions_send_no_ping(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _pings(store, monkeypatch)
    first = _backend(store)
    assert [_backend(store) for _ in range(5)] == [first] * 5  # the same pooled connection
    assert sent == []
    time.sleep(IDLE + 0.2)
    assert _backend(store) == first
    assert len(sent) == 1  # idle past the limit: pinged once, and kept


def test_an_idle_connection_the_database_ended_is_replaced(
    store: Store, postgres: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _pings(store, monkeypatch)
    ended = _backend(store)
    admin = create_engine(postgres.admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            assert conn.execute(text(f"SELECT pg_terminate_backend({ended})")).scalar_one()
    finally:
        admin.dispose()
    time.sleep(IDLE + 0.2)
    with store.transaction(write=True) as conn:  # no error: a new connection serves it
        replaced = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    assert replaced != ended
    assert len(sent) == 1
