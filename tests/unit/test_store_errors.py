"""Store failures on PostgreSQL become the domain's errors: conflicts between writers are
run again or retryable (503, code 14), values the schema cannot keep are 400 (code 3)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from packyard.config import PoolSettings, Settings
from packyard.errors import AlreadyExists, InvalidArgument, Unavailable
from packyard.store.engine import Store, WriteConflict, make_engine
from packyard.store.migrate import migrate
from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="module")
def database(postgres: PostgresCluster) -> str:
    url = postgres.create_database("errors")
    engine = make_engine(Settings(database_url=url).store_url)
    migrate(engine)
    with engine.begin() as conn:
        for name in ("a", "b"):
            conn.execute(
                text("INSERT INTO server_keys (name, secret, created_at) VALUES (:n, 's', now())"),
                {"n": name},
            )
    engine.dispose()
    return url


@pytest.fixture
def store(database: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A store whose writers wait 0.5 s for a lock (or as long as the test asks)."""
    wait = getattr(request, "param", 0.5)
    settings = Settings(database_url=database, pool=PoolSettings(lock_timeout_seconds=wait))
    store = Store(make_engine(settings.store_url, settings.pool))
    yield store
    store.dispose()


LOCK = "SELECT name FROM server_keys WHERE name = :n FOR UPDATE"


@pytest.mark.parametrize("store", [20.0], indirect=True, ids=["lock-timeout-20s"])
def test_a_deadlock_is_a_write_conflict(store: Store) -> None:
    """Two writers locking two rows in opposite orders: PostgreSQL aborts one of them (after
    its deadlock timeout of a second), the other goes on."""
    both_hold_one = threading.Barrier(2)
    outcomes: list[BaseException | None] = [None, None]

    def writer(index: int, first: str, second: str) -> None:
        try:
            with store.transaction(write=True) as conn:
                conn.execute(text(LOCK), {"n": first})
                both_hold_one.wait(timeout=10)
                conn.execute(text(LOCK), {"n": second})
        except BaseException as exc:
            outcomes[index] = exc

    threads = [
        threading.Thread(target=writer, args=(0, "a", "b")),
        threading.Thread(target=writer, args=(1, "b", "a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    failed = [outcome for outcome in outcomes if outcome is not None]
    assert len(failed) == 1, outcomes
    assert isinstance(failed[0], WriteConflict) and failed[0].code == 14
    assert "deadlock" in failed[0].message


def test_a_lock_held_too_long_is_unavailable_at_once(store: Store) -> None:
    """A writer waiting past the lock timeout answers 503 code 14 without running again
    (whatever holds the lock may hold it longer); once the lock is free it goes through."""
    holder = store.engine.connect()
    holder.begin()
    holder.execute(text(LOCK), {"n": "a"})
    attempts = []

    def work() -> None:
        attempts.append(1)
        with store.transaction(write=True) as conn:
            conn.execute(text(LOCK), {"n": "a"})

    try:
        with pytest.raises(Unavailable) as raised:
            store.retrying(work)
        assert not isinstance(raised.value, WriteConflict)
        assert raised.value.code == 14 and "waited too long for a lock" in raised.value.message
        assert len(attempts) == 1
    finally:
        holder.rollback()
        holder.close()
    attempts.clear()
    store.retrying(work)
    assert len(attempts) == 1


def test_a_lost_deadlock_is_run_again(store: Store) -> None:
    """Work that loses a deadlock runs again, up to four times in all, then is a 503."""
    calls = []

    def loses(times: int) -> object:
        def work() -> str:
            calls.append(1)
            if len(calls) <= times:
                raise WriteConflict("the request collided with concurrent writes (deadlock)")
            return "done"

        return work

    assert store.retrying(loses(3)) == "done" and len(calls) == 4
    calls.clear()
    with pytest.raises(WriteConflict):
        store.retrying(loses(4))
    assert len(calls) == 4


def test_values_the_schema_cannot_keep_are_invalid_arguments(store: Store) -> None:
    insert = text("INSERT INTO server_keys (name, secret, created_at) VALUES (:n, 's', now())")
    with pytest.raises(InvalidArgument) as too_long, store.transaction(write=True) as conn:
        conn.execute(insert, {"n": "x" * 51})
    assert "too long" in too_long.value.message
    with pytest.raises(InvalidArgument) as nul, store.transaction(write=True) as conn:
        conn.execute(insert, {"n": "nul\x00here"})
    assert "NUL" in nul.value.message
    with pytest.raises(AlreadyExists), store.transaction(write=True) as conn:
        conn.execute(insert, {"n": "a"})
