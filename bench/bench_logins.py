"""Benchmark (not a test): /healthz latency while logins are being checked.

    python bench/bench_logins.py [--logins 4] [--seconds 5]

A live server of one worker; `--logins` clients log in over and over (each an argon2
check) while one client reads /healthz in a loop. Prints the /healthz median and p95 with
and without the logins, and the logins served. The checks run in worker threads (at most
PACKYARD_LOGIN_CONCURRENT_CHECKS at once), so /healthz should barely move.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import LiveServer, running_server

FORM = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}


def _health(server: LiveServer, seconds: float) -> list[float]:
    took: list[float] = []
    with httpx.Client(base_url=server.base_url, verify=server.tls(), timeout=30) as http:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            http.get("/healthz").raise_for_status()
            took.append((time.perf_counter() - started) * 1000)
    return took


def _logins(server: LiveServer, stop: threading.Event, served: list[int]) -> None:
    principal = server.principal("viewer")
    with httpx.Client(base_url=server.base_url, verify=server.tls(), timeout=30) as http:
        while not stop.is_set():
            answer = http.post(
                "/oauth2/token", data=FORM, auth=(principal.client_id, principal.client_secret)
            )
            answer.raise_for_status()
            served.append(1)


def _report(label: str, took: list[float]) -> None:
    p95 = statistics.quantiles(took, n=20)[-1]
    print(f"{label:>24}: /healthz median {statistics.median(took):7.2f} ms  p95 {p95:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root, running_server(Path(root)) as server:
        _report("idle", _health(server, args.seconds))
        stop, served = threading.Event(), []
        clients = [
            threading.Thread(target=_logins, args=(server, stop, served))
            for _ in range(args.logins)
        ]
        for client in clients:
            client.start()
        time.sleep(0.5)
        took = _health(server, args.seconds)
        stop.set()
        for client in clients:
            client.join()
        _report(f"{args.logins} logging in", took)
        print(f"{len(served)} logins served")


if __name__ == "__main__":
    main()
