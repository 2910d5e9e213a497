"""PostgreSQL's hot reads awaited on the event loop: requests that ask the same read at once
share its round trip, yet none is answered by a read sent before it arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import func, select

from packyard.store.awaited_reads import AwaitedReader
from packyard.store.engine import Store, make_engine
from packyard.store.migrate import migrate
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import organizations
from tests.support.postgres import PostgresCluster

NAME = Prebuilt(select(organizations.c.name).where(organizations.c.id == "org"))
# The same read, held in flight for a while by the database.
SLOW_NAME = Prebuilt(
    select(organizations.c.name, func.pg_sleep(0.3).label("slept")).where(
        organizations.c.id == "org"
    )
)


@pytest.fixture
def url(postgres: PostgresCluster) -> Iterator[str]:
    url = postgres.create_database()
    store = Store(make_engine(url))
    migrate(store.engine)
    store.dispose()
    _rename(url, "first", insert=True)
    yield url


def _rename(url: str, name: str, *, insert: bool = False) -> None:
    """A write committed (and acknowledged) through a connection of its own."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        if insert:
            conn.execute(
                "INSERT INTO organizations (id, name, created_at) VALUES ('org', %s, now())",
                (name,),
            )
        else:
            conn.execute("UPDATE organizations SET name = %s WHERE id = 'org'", (name,))


def _counting(reader: AwaitedReader) -> list[int]:
    """Counts the reader's round trips (each read it sends)."""
    sent = [0]
    read = reader._read

    async def counted(*args: object) -> object:
        sent[0] += 1
        return await read(*args)  # type: ignore[arg-type]

    reader._read = counted  # type: ignore[method-assign]
    return sent


def test_requests_asking_at_once_share_round_trips(url: str) -> None:
    reader = AwaitedReader(make_engine(url))
    sent = _counting(reader)

    async def twenty_at_once() -> list[object]:
        try:
            return await asyncio.gather(*(reader.read_one(NAME, {}) for _ in range(20)))
        finally:
            await reader.close()

    answers = asyncio.run(twenty_at_once())
    assert answers == [{"name": "first"}] * 20
    assert 1 <= sent[0] <= 2  # the first request's read, and one for all who came meanwhile


def test_no_request_is_answered_by_a_read_sent_before_it_arrived(url: str) -> None:
    reader = AwaitedReader(make_engine(url))
    sent = _counting(reader)

    async def write_while_a_read_is_in_flight() -> list[dict[str, object]]:
        try:
            early = asyncio.create_task(reader.read_one(SLOW_NAME, {}))
            await asyncio.sleep(0.1)  # the early read is in flight now
            await asyncio.to_thread(_rename, url, "second")  # acknowledged
            later = [asyncio.create_task(reader.read_one(SLOW_NAME, {})) for _ in range(2)]
            return [row for row in (await early, *await asyncio.gather(*later)) if row]
        finally:
            await reader.close()

    early, later, last = (row["name"] for row in asyncio.run(write_while_a_read_is_in_flight()))
    assert early == "first"
    assert later == last == "second"  # not the early read's answer
    assert sent[0] == 2  # the two later requests shared the read sent after the first landed


def test_a_cancelled_sender_leaves_the_requests_that_joined_it_to_ask_again(url: str) -> None:
    reader = AwaitedReader(make_engine(url))

    async def cancel_the_sender() -> dict[str, object]:
        try:
            flying = asyncio.create_task(reader.read_one(SLOW_NAME, {}))
            await asyncio.sleep(0.1)
            sender = asyncio.create_task(reader.read_one(SLOW_NAME, {}))  # waits to be sent
            await asyncio.sleep(0)
            joined = asyncio.create_task(reader.read_one(SLOW_NAME, {}))
            await asyncio.sleep(0)
            sender.cancel()
            row = await asyncio.wait_for(joined, timeout=5)
            assert row is not None and await flying is not None
            return row
        finally:
            await reader.close()

    assert asyncio.run(cancel_the_sender())["name"] == "first"
