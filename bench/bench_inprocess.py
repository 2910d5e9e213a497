"""Benchmark of the application's own CPU per request (not a test): its ASGI app called
directly, without the HTTP server, TLS or a load client.

    python bench/bench_inprocess.py [--requests 20000] [--rounds 3]

A `packyard serve` (SQLite) is seeded as bench_2023 seeds it. Then this process makes the
same application over the same data directory and calls it in a loop, a request at a time:
`/healthz`, and a cached GetVersion and GetChannel. What is timed is this thread's CPU time
(`time.thread_time`), which waiting for a core on a busy machine does not stretch. Each
route's fastest round of `--rounds` is printed, and its cost above the trivial route.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from typing import Any

import bench_2023
from harness import live_api

from packyard.config import Settings
from packyard.wire.app import configure_logging, create_app


def _scope(path: str, token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"user-agent", b"bench"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 443),
    }


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_message: dict[str, Any]) -> None:
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with live_api() as api:
        routes = {"(trivial)": "/healthz", **bench_2023.seed(api)}
        token = str(api.http.headers["Authorization"]).split(" ", 1)[1]
        with contextlib.redirect_stderr(open(os.devnull, "w")):  # the access lines go there
            configure_logging()
        app = create_app(Settings.from_env({"PACKYARD_DATA_DIR": str(api.server.data_dir)}))

        async def run(path: str, requests: int) -> None:
            scope = _scope(path, token)
            for _ in range(requests):
                await app(dict(scope), _receive, _send)

        async def measure() -> dict[str, list[float]]:
            spent: dict[str, list[float]] = {}
            async with app.router.lifespan_context(app):
                for name, path in routes.items():
                    await run(path, 2000)  # caches filled, code warm
                    for _ in range(args.rounds):
                        started = time.thread_time()
                        await run(path, args.requests)
                        used = 1e6 * (time.thread_time() - started) / args.requests
                        spent.setdefault(name, []).append(used)
            return spent

        spent = asyncio.run(measure())
    trivial = min(spent["(trivial)"])
    print(f"\n{args.requests} requests a round, {args.rounds} rounds, one at a time\n")
    print("| route | CPU µs per request, each round | fastest | above the trivial route |")
    print("|---|---|---|---|")
    for name, rounds in spent.items():
        each = ", ".join(f"{value:.1f}" for value in rounds)
        print(f"| {name} | {each} | {min(rounds):.1f} | {min(rounds) - trivial:.1f} |")


if __name__ == "__main__":
    main()
