"""SQLite transactions run on connections kept between them: taking one is not a pool
check-out, nothing of one transaction is seen by the next unless committed, and a connection
whose transaction failed is not kept: it goes back to the pool, which resets it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text

from packyard.errors import Unavailable
from packyard.store.engine import KEPT_TRANSACTIONS, Store, make_engine
from packyard.store.migrate import migrate

COUNT = "SELECT count(*) FROM server_keys"
ADD = "INSERT INTO server_keys (name, secret, created_at) VALUES (:n, 's', '2026-12-01')"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    store = Store(engine)
    yield store
    store.dispose()


def _checkouts(store: Store) -> list[object]:
    seen: list[object] = []
    event.listen(store.engine, "checkout", lambda dbapi, *_: seen.append(dbapi))
    return seen


def test_one_kept_connection_serves_transaction_after_transaction(store: Store) -> None:
    checkouts = _checkouts(store)
    drivers = set()
    for n in range(5):
        with store.transaction(write=n % 2 == 0) as conn:
            drivers.add(id(conn.connection.driver_connection))
            conn.execute(text(COUNT))
    assert len(checkouts) == 1 and len(drivers) == 1


def test_nested_transactions_each_get_their_own_and_at_most_a_few_are_kept(
    store: Store,
) -> None:
    checkouts = _checkouts(store)
    with store.transaction() as outer, store.transaction() as middle, store.transaction() as inner:
        assert len({id(c.connection.driver_connection) for c in (outer, middle, inner)}) == 3
    assert len(checkouts) == 3
    for _ in range(3):
        with store.transaction() as conn:
            conn.execute(text(COUNT))
    assert len(checkouts) == 3  # served by the kept ones
    assert len(store._kept) == KEPT_TRANSACTIONS


def test_a_failed_transaction_keeps_nothing_and_its_connection_is_not_kept(
    store: Store,
) -> None:
    checkouts = _checkouts(store)
    with store.transaction(write=True) as first:
        pass
    with pytest.raises(RuntimeError), store.transaction(write=True) as conn:
        assert conn is first
        conn.execute(text(ADD), {"n": "lost"})
        raise RuntimeError("the use case failed")
    assert first.closed and store._kept == []
    with store.transaction() as conn:
        assert conn is not first and len(checkouts) == 2
        assert conn.execute(text(COUNT)).scalar() == 0
    with store.transaction(write=True) as conn:
        conn.execute(text(ADD), {"n": "kept"})
    with store.transaction() as conn:
        assert conn.execute(text(COUNT)).scalar() == 1


def test_a_store_error_is_the_domain_s_and_its_connection_is_not_kept(store: Store) -> None:
    with store.transaction(write=True) as first:
        first.execute(text(ADD), {"n": "a"})
    with pytest.raises(Unavailable), store.transaction(write=True) as conn:
        assert conn is first
        conn.execute(text("SELECT * FROM no_such_table"))
    assert first.closed and store._kept == []
    with store.transaction() as conn:
        assert conn.execute(text(COUNT)).scalar() == 1


def test_dispose_closes_the_kept_connections(store: Store) -> None:
    with store.transaction() as conn:
        driver = conn.connection.driver_connection
    store.dispose()
    assert store._kept == []
    with pytest.raises(Exception, match="closed"):
        driver.execute(COUNT)
