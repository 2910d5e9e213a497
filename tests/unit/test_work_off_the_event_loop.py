"""Slow work a request brings is done off the event loop and outside the write lock.

In the test's own process, so that the work can be watched while it runs: a login's argon2
check, and the reading of an uploaded SBOM. Nothing here measures time; each test asserts
the order of events (a /healthz answered while checks are known to be running) or where
the work ran (no write transaction open, no event loop in its thread).
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import zstandard
from sqlalchemy import Connection

from packyard.auth import principals
from packyard.config import LoginSettings
from tests.api.test_v2023 import push2023
from tests.support.in_process import FORM, in_process

LOGINS, CONCURRENT_CHECKS = 4, 2


def test_health_is_answered_while_logins_are_being_checked(tmp_path, monkeypatch):
    lock, checking, peak, saw = threading.Lock(), 0, 0, []
    all_running, health_answered = threading.Event(), threading.Event()
    real = principals.secret_matches

    def watched(secret_hash: str, secret: str) -> bool:
        nonlocal checking, peak
        with lock:
            checking += 1
            peak = max(peak, checking)
            if checking == CONCURRENT_CHECKS:
                all_running.set()
        # Run on the event loop, this check would hold /healthz until it gave up waiting.
        saw.append(health_answered.wait(timeout=5))
        with lock:
            checking -= 1
        return real(secret_hash, secret)

    monkeypatch.setattr(principals, "secret_matches", watched)
    login = LoginSettings(concurrent_checks=CONCURRENT_CHECKS)
    with in_process(tmp_path, login) as served:

        async def scenario() -> tuple[httpx.Response, list[httpx.Response]]:
            transport = httpx.ASGITransport(app=served.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://packyard") as http:
                logins = [
                    asyncio.ensure_future(
                        http.post("/oauth2/token", data=FORM, auth=served.credentials)
                    )
                    for _ in range(LOGINS)
                ]
                assert await asyncio.to_thread(all_running.wait, 10), "the checks never ran"
                health = await http.get("/healthz")
                health_answered.set()
                return health, list(await asyncio.gather(*logins))

        health, answers = asyncio.run(scenario())
    assert health.status_code == 200
    assert [answer.status_code for answer in answers] == [200] * LOGINS
    assert saw == [True] * LOGINS
    assert peak == CONCURRENT_CHECKS  # the bound held: the others waited their turn


def _off_the_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def test_an_sbom_is_read_before_the_write_transaction_and_off_the_loop(tmp_path, monkeypatch):
    with in_process(tmp_path) as served, served.api() as api:
        version = push2023(api, "sbom-bucket", "fp-1")
        build = api.v2 + f"/buckets/sbom-bucket/versions/fp-1/builds/{version['builds'][0]['id']}"

        writes = 0
        transaction = served.store.transaction

        @contextmanager
        def counted(*, write: bool = False) -> Iterator[Connection]:
            nonlocal writes
            with transaction(write=write) as conn:
                writes += write
                try:
                    yield conn
                finally:
                    writes -= write

        reads: list[tuple[int, bool]] = []
        decompressor = zstandard.ZstdDecompressor

        def watched(*args: object, **kwargs: object) -> zstandard.ZstdDecompressor:
            reads.append((writes, _off_the_loop()))
            return decompressor(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(served.store, "transaction", counted)
        monkeypatch.setattr(zstandard, "ZstdDecompressor", watched)
        document = {"bomFormat": "CycloneDX", "components": [{"name": "curl", "version": "8"}]}
        compressed = zstandard.ZstdCompressor().compress(json.dumps(document).encode())
        uploaded = api.put(
            build + "/sboms",
            json={"compressed_sbom": base64.b64encode(compressed).decode(), "format": "CYCLONEDX"},
        )
        assert uploaded.status_code == 200, uploaded.text
        assert reads == [(0, True)]  # read once, with no write transaction open, in a thread
        assert [p["name"] for p in api.get(build + "/packages").json()["packages"]] == ["curl"]
