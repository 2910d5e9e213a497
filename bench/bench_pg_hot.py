"""Benchmark of hot reads on PostgreSQL beside SQLite (not a test), in one run.

    python bench/bench_pg_hot.py [--seconds 5]

Two servers at once (one granian worker each, TLS): one on its SQLite store, one on a
throwaway PostgreSQL 15 cluster reached directly. Both get bench_2023's seed (a channel on
a version of 10 builds x 3 artifacts); then, route by route and server by server in turn,
wrk at 1 and 32 connections on the trivial route, GetChannel and GetVersion (2023-01-01)
and GetIteration (2021-04-30). Printed: throughput, p50 / p99, PostgreSQL's rate as a
share of SQLite's, and the CPU a request cost each server (and PostgreSQL's processes).
Each cached read still asks the database for the caller and the registry's content stamp,
which is what keeps it exact across replicas.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench_2023 import seed
from harness import postgres_cpu_seconds, server_cpu_seconds, wrk
from tests.support.postgres import throwaway_cluster
from tests.support.server import running_server


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    print(f"load at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    with ExitStack() as stack:
        cluster = stack.enter_context(throwaway_cluster())
        apis = {}
        for label, database in (("SQLite", None), ("PostgreSQL", cluster.create_database())):
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-pg-")))
            server = stack.enter_context(running_server(root, database=database))
            api = server.api("admin")
            routes = seed(api)
            routes["GetIteration"] = api.v1 + "/images/bench/iteration?fingerprint=hot"
            apis[label] = (api, {"(trivial)": "/healthz", **routes})
        rows = []
        for route in apis["SQLite"][1]:
            for connections in (1, 32):
                got = {}
                for label, (api, routes) in apis.items():
                    token = str(api.http.headers["Authorization"]).split(" ", 1)[1]
                    assert api.server.process is not None
                    pid = api.server.process.pid
                    server, database = server_cpu_seconds(pid), postgres_cpu_seconds()
                    got[label] = wrk(
                        api.server.base_url + routes[route], token, connections, args.seconds
                    )
                    served = got[label]["rps"] * args.seconds
                    got[label]["server_us"] = 1e6 * (server_cpu_seconds(pid) - server) / served
                    got[label]["postgres_us"] = 1e6 * (postgres_cpu_seconds() - database) / served
                rows.append((route, connections, got))
    print(f"\nload at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        "\n| route | clients | SQLite req/s | PostgreSQL req/s | PostgreSQL / SQLite |"
        " p50 / p99 ms, SQLite | p50 / p99 ms, PostgreSQL |"
        " CPU µs a request: SQLite's server, PostgreSQL's server + postgres |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for route, connections, got in rows:
        lite, pg = got["SQLite"], got["PostgreSQL"]
        print(
            f"| {route} | {connections} | {lite['rps']:.0f} | {pg['rps']:.0f} | "
            f"{pg['rps'] / lite['rps']:.2f} | {lite['p50']:.2f} / {lite['p99']:.2f} | "
            f"{pg['p50']:.2f} / {pg['p99']:.2f} | {lite['server_us']:.0f}, "
            f"{pg['server_us']:.0f} + {pg['postgres_us']:.0f} |"
        )


if __name__ == "__main__":
    main()
