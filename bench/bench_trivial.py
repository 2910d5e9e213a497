"""Benchmark of the trivial route (not a test): Packyard's /healthz beside a bare app.

    python bench/bench_trivial.py [--seconds 5] [--workers 1]

A bare Starlette "hello" app (bench/bare_app.py) runs under granian with the same worker
count, event loop, certificate and key as Packyard (its local CA's), and wrk drives both
at 1 and 32 connections in the same run. Prints req/s, p50/p99 and Packyard's share, and
the bare app's rate for an answer the size of a hot read's (the stack's own cost of it).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from harness import live_api, wrk
from tests.support.server import free_port

HERE = Path(__file__).resolve().parent


@contextmanager
def bare_app(workers: int, cert: Path, key: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "bare_app.py"), str(port), str(workers), str(cert), str(key)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        },
    )
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", verify=False, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with live_api(args.workers) as api:
        tls = api.server.data_dir / "tls"
        token = str(api.http.headers["Authorization"]).split(" ", 1)[1]
        with bare_app(args.workers, tls / "server.pem", tls / "server-key.pem") as bare:
            print(f"\nTLS, {args.workers} worker(s), {args.seconds} s per run")
            print("| clients | app | req/s | p50 ms | p99 ms | / bare |")
            print("|---|---|---|---|---|---|")
            for connections in (1, 32):
                base = wrk(bare + "/healthz", token, connections, args.seconds)
                ours = wrk(api.server.base_url + "/healthz", token, connections, args.seconds)
                sized = wrk(bare + "/answer", token, connections, args.seconds)
                for label, got in (
                    ("bare Starlette", base),
                    ("Packyard /healthz", ours),
                    ("bare Starlette, a 7.5 KB answer", sized),
                ):
                    ratio = f"{got['rps'] / base['rps']:.0%}" if got is not base else ""
                    print(
                        f"| {connections} | {label} | {got['rps']:.0f} | {got['p50']:.2f} | "
                        f"{got['p99']:.2f} | {ratio} |"
                    )


if __name__ == "__main__":
    main()
