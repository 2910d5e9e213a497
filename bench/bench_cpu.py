"""Benchmark of server CPU per request (not a test): the hot reads beside the trivial route.

    python bench/bench_cpu.py [--seconds 3] [--rounds 2] [--connections 32]

One `packyard serve` (SQLite) seeded as bench_2023 seeds it; wrk drives /healthz, GetVersion
and GetChannel in turn for `--seconds` each, `--rounds` times. The server's CPU (user and
system, from /proc) over each run divided by the requests it served is less noisy than
throughput on a machine that wrk shares: it says what a read costs beside the trivial route.
"""

from __future__ import annotations

import argparse
import statistics

import bench_2023
from harness import live_api, server_cpu_seconds, wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with live_api() as api:
        routes = {"(trivial)": "/healthz", **bench_2023.seed(api)}
        token = str(api.http.headers["Authorization"]).split(" ", 1)[1]
        assert api.server.process is not None
        pid = api.server.process.pid
        used: dict[str, list[float]] = {
            name: [] for name in ("(trivial)", "GetVersion", "GetChannel")
        }
        for _ in range(args.rounds):
            for name in used:
                before = server_cpu_seconds(pid)
                run = wrk(api.server.base_url + routes[name], token, args.connections, args.seconds)
                served = run["rps"] * args.seconds
                used[name].append(1e6 * (server_cpu_seconds(pid) - before) / served)
    trivial = statistics.median(used["(trivial)"])
    print(f"\n{args.connections} connections, {args.seconds} s a run, {args.rounds} rounds\n")
    print("| route | server CPU µs per request, each run | median | / trivial |")
    print("|---|---|---|---|")
    for name, runs in used.items():
        median = statistics.median(runs)
        each = ", ".join(f"{value:.0f}" for value in runs)
        print(f"| {name} | {each} | {median:.0f} | {median / trivial:.2f}x |")


if __name__ == "__main__":
    main()
