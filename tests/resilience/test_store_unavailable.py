"""The store's own answer to a database that went away: Unavailable (503, code 14) on every
path - the unit of work, its commit, the raw hot-path read - and the next call works again
once the database is back, on the same engine."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from packyard.config import PoolSettings
from packyard.errors import Unavailable
from packyard.store.engine import Store, make_engine
from packyard.store.migrate import migrate
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import organizations
from tests.support.postgres import PostgresCluster, throwaway_cluster

ONE_ORGANIZATION = Prebuilt(select(organizations.c.id).where(organizations.c.id == "org"))
FAST = PoolSettings(lock_timeout_seconds=0.5, connect_timeout_seconds=2)


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_store(cluster: PostgresCluster) -> Iterator[Store]:
    store = Store(make_engine(cluster.create_database(), FAST))
    migrate(store.engine)
    try:
        yield store
    finally:
        store.dispose()


def _backends(cluster: PostgresCluster) -> list[int]:
    with psycopg.connect(cluster.admin_url(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'packyard'"
        ).fetchall()
    return [row[0] for row in rows]


def _terminate(cluster: PostgresCluster, pids: list[int]) -> None:
    with psycopg.connect(cluster.admin_url(), autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_connection_lost_before_commit_is_unavailable(
    cluster: PostgresCluster, pg_store: Store
) -> None:
    with pytest.raises(Unavailable), pg_store.transaction(write=True) as conn:
        own = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        _terminate(cluster, [own])
    with pg_store.transaction() as conn:  # the broken connection was not handed out again
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1


def test_hot_read_while_the_database_is_down_then_back(
    cluster: PostgresCluster, pg_store: Store
) -> None:
    assert pg_store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
    cluster.stop("fast")
    try:
        with pytest.raises(Unavailable):
            pg_store.read_one(ONE_ORGANIZATION, {"id_1": "org"})
        with pytest.raises(Unavailable), pg_store.transaction() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert pg_store.ping() is False
    finally:
        cluster.start()
    assert pg_store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
    assert pg_store.ping() is True


def test_hot_read_on_a_pooled_connection_the_database_dropped(
    cluster: PostgresCluster, pg_store: Store
) -> None:
    assert pg_store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
    _terminate(cluster, _backends(cluster))
    assert pg_store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None


def test_sqlite_write_lock_held_elsewhere_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "packyard.db"
    store = Store(make_engine(f"sqlite:///{path}", FAST))
    migrate(store.engine)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(Unavailable), store.transaction(write=True) as conn:
            conn.exec_driver_sql("SELECT 1")
        with store.transaction() as conn:  # readers are not held up (WAL)
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with store.transaction(write=True) as conn:
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    store.dispose()
