"""/readyz's ping of the database: one round trip a second at most, however many probes ask,
and a database a request found unreachable is reported by the very next probe."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import insert

from packyard.config import PoolSettings
from packyard.errors import Unavailable
from packyard.ids import utcnow
from packyard.store.engine import READY_SECONDS, Store, make_engine
from packyard.store.migrate import migrate
from packyard.store.tables import organizations
from tests.support.postgres import PostgresCluster

FAST = PoolSettings(lock_timeout_seconds=0.5, connect_timeout_seconds=2)


def _counting_reads(store: Store) -> list[object]:
    asked: list[object] = []
    read_one = store._hot.read_one

    def counted(*args: Any, **kwargs: Any) -> Any:
        asked.append(args[0])
        return read_one(*args, **kwargs)

    store._hot.read_one = counted  # type: ignore[method-assign]
    return asked


def test_probes_share_a_ping_until_it_lapses_or_a_request_finds_the_database_gone(
    postgres: PostgresCluster,
) -> None:
    store = Store(make_engine(postgres.create_database(), FAST))
    migrate(store.engine)
    try:
        asked = _counting_reads(store)
        assert all(store.ping() for _ in range(50))
        assert len(asked) == 1
        store._answered_at -= READY_SECONDS  # a second later
        assert store.ping() is True
        assert len(asked) == 2

        postgres.stop("fast")
        try:
            # As if the last probe had been answered just before the database went (stopping
            # it may take longer than the answer stands):
            store._answered_at = time.monotonic()
            assert store.ping() is True
            assert len(asked) == 2
            with pytest.raises(Unavailable), store.transaction(write=True) as conn:
                conn.execute(insert(organizations).values(id="o", name="o", created_at=utcnow()))
            assert store.ping() is False  # asked again at once, and refused
            assert len(asked) == 3
            assert store.ping() is False  # a failed ping is never kept
            assert len(asked) == 4
        finally:
            postgres.start()
            postgres.wait_ready()
        assert store.ping() is True
    finally:
        store.dispose()
