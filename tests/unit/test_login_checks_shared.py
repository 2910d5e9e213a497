"""PACKYARD_LOGIN_CONCURRENT_CHECKS bounds the argon2 checks of the whole process: the token
endpoint and the console's sign-in check in one bound, so while N token checks run a
sign-in's check waits its turn rather than running as the (N+1)th.

In the test's own process, so that the checks can be held open. Nothing here measures
time: the test asserts the order of events, and that the sign-in's check is found waiting
on the very limiter the token checks hold.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
import httpx

from packyard.auth import principals
from packyard.config import LoginSettings
from tests.support.in_process import FORM, in_process
from tests.support.people import csrf_of

CONCURRENT_CHECKS = 2
SIGN_IN_PASSWORD = "a password nobody has"


def test_a_sign_in_waits_while_token_checks_fill_the_bound(tmp_path, monkeypatch):
    lock, running, peak, order = threading.Lock(), 0, 0, []
    tokens_running, release = threading.Event(), threading.Event()
    real_matches = principals.secret_matches

    def door(secret: str) -> str:
        return "sign-in" if secret == SIGN_IN_PASSWORD else "token"

    def held(secret_hash: str, secret: str) -> bool:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            order.append(door(secret))
            if order.count("token") == CONCURRENT_CHECKS:
                tokens_running.set()
        if door(secret) == "token":
            assert release.wait(timeout=10), "the token checks were never released"
        with lock:
            running -= 1
        return real_matches(secret_hash, secret)

    limiters: dict[str, anyio.CapacityLimiter] = {}
    real_run_sync = anyio.to_thread.run_sync

    async def watched_run_sync(
        func: Callable[..., Any], *args: Any, limiter: Any = None, **kwargs: Any
    ) -> Any:
        if func is held:
            limiters[door(args[1])] = limiter
        return await real_run_sync(func, *args, limiter=limiter, **kwargs)

    monkeypatch.setattr(principals, "secret_matches", held)
    monkeypatch.setattr(anyio.to_thread, "run_sync", watched_run_sync)
    login = LoginSettings(concurrent_checks=CONCURRENT_CHECKS)
    with in_process(tmp_path, login) as served:

        def sign_in_waits() -> bool:
            limiter = limiters.get("sign-in")
            return limiter is not None and limiter.statistics().tasks_waiting == 1

        async def scenario() -> tuple[list[httpx.Response], httpx.Response, list[str]]:
            transport = httpx.ASGITransport(app=served.app)
            async with httpx.AsyncClient(transport=transport, base_url="https://packyard") as http:
                form = await http.get("/signin")
                assert form.status_code == 200, form.text
                logins = [
                    asyncio.ensure_future(
                        http.post("/oauth2/token", data=FORM, auth=served.credentials)
                    )
                    for _ in range(CONCURRENT_CHECKS)
                ]
                assert await asyncio.to_thread(tokens_running.wait, 10), "no token checks ran"
                sign_in = asyncio.ensure_future(
                    http.post(
                        "/signin",
                        data={
                            "csrf_token": csrf_of(form),
                            "name": "nobody",
                            "password": SIGN_IN_PASSWORD,
                        },
                    )
                )

                async def settled() -> None:
                    # The sign-in's check either starts (a bound of its own) or waits.
                    while "sign-in" not in order and not sign_in_waits():
                        await asyncio.sleep(0)

                await asyncio.wait_for(settled(), timeout=10)
                with lock:
                    seen = list(order)
                release.set()
                return list(await asyncio.gather(*logins)), await sign_in, seen

        tokens, signed, seen_while_held = asyncio.run(scenario())
    assert seen_while_held == ["token"] * CONCURRENT_CHECKS  # the sign-in's check waited ...
    assert limiters["sign-in"] is limiters["token"]  # ... on the bound the token checks hold
    assert order == ["token"] * CONCURRENT_CHECKS + ["sign-in"]
    assert peak == CONCURRENT_CHECKS
    assert [answer.status_code for answer in tokens] == [200] * CONCURRENT_CHECKS
    assert signed.status_code == 401, signed.text  # checked, and refused: no such user
