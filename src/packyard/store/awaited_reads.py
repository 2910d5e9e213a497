"""PostgreSQL's hot reads awaited on the event loop, so that one read's round trip does not
hold up every other request of the worker.

A cached read asks PostgreSQL one thing, its caller's row with the registry's content stamp,
and waits a round trip for it. Asked on a blocking connection, that wait stops the worker's
event loop: at 32 clients the worker answers one read per round trip and the database's
core idles meanwhile. Asked on an asynchronous connection, the loop serves other requests
while the answer travels, and several reads are in flight on as many connections.

Each event loop has its own connections (an asynchronous connection belongs to the loop it
was made on), at most `AWAITED_READERS`, made as reads need them and kept, in autocommit:
every read is one statement, consistent on its own.

Reads of the same statement with the same parameters share one round trip, and stay exact:
a request joins only a read that has not been sent yet, so the read it is answered by starts
after it arrived, and sees every commit acknowledged before. While one such read is in
flight, the requests that arrive wait together for the next, sent when the first lands.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

import psycopg
from sqlalchemy import Engine

from packyard.store.hot_reads import READER_SECONDS, RowKey, Unreachable, row_key
from packyard.store.prebuilt import Prebuilt

AWAITED_READERS = 8
"""Connections each event loop keeps for the awaited reads: as many reads are in flight."""
CONNECT_SECONDS = 10


_Row = dict[str, Any] | None


class _Readers:
    """One event loop's connections (the idle ones, and how many exist), and its reads:
    for each key, the one not sent yet, which requests join, and the one in flight."""

    def __init__(self) -> None:
        self.idle: list[tuple[psycopg.AsyncConnection[Any], float]] = []
        self.made = 0
        self.freed = asyncio.Condition()
        self.unsent: dict[RowKey, asyncio.Future[_Row]] = {}
        self.flying: dict[RowKey, asyncio.Future[_Row]] = {}


class AwaitedReader:
    def __init__(self, engine: Engine, most: int = AWAITED_READERS) -> None:
        self.engine = engine
        self.most = most
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Readers] = (
            weakref.WeakKeyDictionary()
        )

    async def read_one(self, statement: Prebuilt, params: dict[str, Any]) -> _Row:
        """One row of a single-statement read, as `HotReader.read_one` gives it (shared by
        the requests that joined its read: not to be changed by the caller)."""
        readers = self._readers()
        key = row_key(statement, params)
        while (unsent := readers.unsent.get(key)) is not None:
            try:
                return await asyncio.shield(unsent)
            except asyncio.CancelledError:
                if not unsent.cancelled():
                    raise  # this request itself was cancelled
                # the request that was to send it was cancelled first: ask again
        mine: asyncio.Future[_Row] = asyncio.get_running_loop().create_future()
        readers.unsent[key] = mine
        try:
            flying = readers.flying.get(key)
            if flying is not None:  # it started before some of the requests joining mine
                await asyncio.wait([flying])
            del readers.unsent[key]  # sent now: no request joins it any more
            readers.flying[key] = mine
            row = await self._read(readers, statement, params)
        except BaseException as exc:
            if readers.unsent.get(key) is mine:  # cancelled before it was sent
                del readers.unsent[key]
            if isinstance(exc, asyncio.CancelledError):
                mine.cancel()
            else:
                mine.set_exception(exc)
                mine.exception()  # retrieved here: no request may have joined it
            raise
        else:
            mine.set_result(row)
            return row
        finally:
            if readers.flying.get(key) is mine:
                del readers.flying[key]

    async def _read(self, readers: _Readers, statement: Prebuilt, params: dict[str, Any]) -> _Row:
        """The read on a kept connection. One that fails is dropped and the read asked once
        more on a new one (the database may have restarted meanwhile)."""
        text, bound, names = statement.for_driver(self.engine.dialect, params)
        for fresh in (False, True):
            conn, since = await self._take(readers, fresh=fresh)
            try:
                async with conn.cursor() as cursor:
                    await cursor.execute(text, bound)
                    found = await cursor.fetchone()
            except psycopg.Error as exc:
                await self._drop(readers, conn)
                if fresh:
                    raise Unreachable() from exc
                continue
            await self._give(readers, conn, since)
            return None if found is None else dict(zip(names, found, strict=True))
        raise AssertionError("unreachable")

    def _readers(self) -> _Readers:
        loop = asyncio.get_running_loop()
        found = self._loops.get(loop)
        if found is None:
            found = self._loops[loop] = _Readers()
        return found

    async def _take(
        self, readers: _Readers, *, fresh: bool
    ) -> tuple[psycopg.AsyncConnection[Any], float]:
        """An idle connection (unless `fresh`, or it is older than `READER_SECONDS`), else a
        new one while fewer than `most` exist, else the next one given back."""
        async with readers.freed:
            while True:
                now = time.monotonic()
                while not fresh and readers.idle:
                    conn, since = readers.idle.pop()
                    if now - since < READER_SECONDS:
                        return conn, since
                    readers.made -= 1
                    await _close_quietly(conn)
                if readers.made < self.most:
                    readers.made += 1
                    break
                if fresh:  # every connection is busy: the retry waits for none of them
                    readers.made += 1
                    break
                await readers.freed.wait()
        try:
            conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, connect_timeout=CONNECT_SECONDS
            )
        except psycopg.Error as exc:
            await self._drop(readers, None)
            raise Unreachable() from exc
        return conn, time.monotonic()

    async def _give(
        self, readers: _Readers, conn: psycopg.AsyncConnection[Any], since: float
    ) -> None:
        async with readers.freed:
            if readers.made > self.most:  # a retry's extra connection
                readers.made -= 1
                await _close_quietly(conn)
            else:
                readers.idle.append((conn, since))
            readers.freed.notify()

    async def _drop(self, readers: _Readers, conn: psycopg.AsyncConnection[Any] | None) -> None:
        if conn is not None:
            await _close_quietly(conn)
        async with readers.freed:
            readers.made -= 1
            readers.freed.notify()

    async def close(self) -> None:
        """Close this event loop's connections (the others close with their loops)."""
        readers = self._loops.pop(asyncio.get_running_loop(), None)
        if readers is not None:
            while readers.idle:
                await _close_quietly(readers.idle.pop()[0])


async def _close_quietly(conn: psycopg.AsyncConnection[Any]) -> None:
    with contextlib.suppress(Exception):  # a broken connection may fail to close; it is gone
        await conn.close()
