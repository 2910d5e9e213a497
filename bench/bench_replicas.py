"""Benchmark of the deployments (not a test): one SQLite server against 1 and 3 replicas on
PostgreSQL behind HAProxy, in the same run, on the same machine.

    python bench/bench_replicas.py [--seconds 5] [--connections 32] [--pushers 8]

Deployments, one at a time (each stopped before the next starts): one SQLite server; one
PostgreSQL replica reached directly; the same behind HAProxy; three replicas behind HAProxy
(tests/support/replicas.py: TLS terminated at the balancer and re-encrypted, round-robin).
Each gets the same seed (one version of 10 builds x 3 artifacts on a channel) and the same
load: wrk on the trivial route and the hot reads (GetChannel and GetIteration on 2021-04-30,
GetChannel and GetVersion on 2023-01-01), then concurrent push sequences of both planes
(alternating; 10 and 12 requests with 2 builds, ending with a channel assignment) from
`--pushers` client threads for twice `--seconds`. Printed: throughput, p50 and p99 per
route and deployment, and the ratio of each throughput to the SQLite server's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import wrk

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.postgres import PostgresCluster, throwaway_cluster
from tests.support.replicas import running_replicas
from tests.support.server import LiveServer, running_server
from tests.support.workload import Client, run_load

SQLITE = "SQLite, 1 server"
PG_1_DIRECT = "PostgreSQL, 1 replica, direct"
PG_1 = "PostgreSQL, 1 replica, HAProxy"
PG_3 = "PostgreSQL, 3 replicas, HAProxy"


@dataclass
class Result:
    rps: float
    p50: float
    p99: float


def seed(c: Client) -> dict[str, str]:
    """One bucket, one version of 10 builds x 3 artifacts on channel "prod"; its hot reads."""
    c.ok("PUT", c.v2 + "/buckets", json={"name": "bench"})
    c.ok("POST", c.v2 + "/buckets/bench/versions", json={"fingerprint": "hot"})
    builds = c.v2 + "/buckets/bench/versions/hot/builds"
    ids = [
        c.ok("POST", builds, json={"component_type": f"amazon-ebs.image-{n}"})["build"]["id"]
        for n in range(10)
    ]
    for build_id in ids:  # all made first: the version completes with its last build DONE
        c.ok(
            "PATCH",
            builds + f"/{build_id}",
            json={
                "status": "BUILD_DONE",
                "platform": "aws",
                "labels": {"os": "ubuntu"},
                "artifacts": [
                    {"external_identifier": f"ami-{build_id[-8:]}-{r}", "region": r}
                    for r in ("us-east-1", "eu-west-1", "ap-south-1")
                ],
            },
        )
    c.ok(
        "POST",
        c.v2 + "/buckets/bench/channels",
        json={"name": "prod", "version_fingerprint": "hot"},
    )
    return {
        "GetChannel 2021": c.v1 + "/images/bench/channels/prod",
        "GetIteration 2021": c.v1 + "/images/bench/iteration?fingerprint=hot",
        "GetChannel 2023": c.v2 + "/buckets/bench/channels/prod",
        "GetVersion 2023": c.v2 + "/buckets/bench/versions/hot",
    }


def pushes(make: Callable[[], Client], pushers: int, seconds: float) -> dict[str, Result]:
    buckets = [f"push-{n}" for n in range(2 * pushers)]
    started = time.perf_counter()
    ledger = run_load(pushers, buckets, lambda _i: make, seconds=seconds, label=f"p{pushers}-")
    elapsed = time.perf_counter() - started  # the sequences under way at the end finish
    if ledger.failures:
        raise SystemExit(f"pushes failed: {ledger.failures[:3]}")
    done = sorted(1000 * push.seconds for push in ledger.pushes if push.finished)
    p99 = done[max(0, int(len(done) * 0.99) - 1)]
    return {
        "push sequence": Result(len(done) / elapsed, statistics.median(done), p99),
        "acknowledged writes": Result(ledger.acknowledged / elapsed, 0.0, 0.0),
    }


def measure(target: LiveServer, args: argparse.Namespace, label: str) -> dict[str, Result]:
    """`target` is a server, or a balancer's front with the same client-facing fields."""
    token = target.token(target.principal("contributor"))

    def make() -> Client:
        return Client(
            target.base_url,
            verify=target.tls(),
            token=token,
            organization_id=target.org_id,
            project_id=target.project_id,
            validate=False,
        )

    seeding = make()
    routes = {"(trivial)": "/healthz", **seed(seeding)}
    seeding.close()
    results: dict[str, Result] = {}
    for name, path in routes.items():
        got = wrk(target.base_url + path, token, args.connections, args.seconds)
        results[name] = Result(got["rps"], got["p50"], got["p99"])
        print(f"  {label}: {name} {got['rps']:.0f} req/s", flush=True)
    for pushers in (1, args.pushers):
        got = pushes(make, pushers, 2 * args.seconds)
        clients = f"{pushers} client" + ("s" if pushers > 1 else "")
        results[f"push sequence, {clients}"] = got["push sequence"]
        results[f"acknowledged writes, {clients}"] = got["acknowledged writes"]
        print(f"  {label}: {pushers} pushers: {got['push sequence'].rps:.1f}/s", flush=True)
    return results


@contextmanager
def deployment(kind: str, root: Path, cluster: PostgresCluster) -> Iterator[LiveServer]:
    if kind == SQLITE:
        with running_server(root) as server:
            yield server
        return
    count = 3 if kind == PG_3 else 1
    with running_replicas(root, cluster.create_database(), count=count) as replicas:
        yield replicas.replicas[0] if kind == PG_1_DIRECT else replicas.front


def table(results: dict[str, dict[str, Result]]) -> None:
    """Operations down, deployments across: throughput (ratio to the first), p50 / p99 ms."""
    kinds = list(results)
    base = results[kinds[0]]
    print("\n| operation | " + " | ".join(kinds) + " |")
    print("|---" * (len(kinds) + 1) + "|")
    for name in base:
        cells = []
        for kind in kinds:
            got = results[kind][name]
            cell = f"{got.rps:.1f}/s" if got.rps < 100 else f"{got.rps:.0f}/s"
            if kind != kinds[0]:
                cell += f" ({got.rps / base[name].rps:.2f})"
            if got.p50:
                cell += f"<br>{got.p50:.1f} / {got.p99:.1f} ms"
            cells.append(cell)
        print(f"| {name} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pushers", type=int, default=8)
    args = parser.parse_args()
    for tool in ("wrk", "haproxy"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is required: apt-get install -y {tool}")
    results: dict[str, dict[str, Result]] = {}
    with ExitStack() as stack:
        cluster = stack.enter_context(throwaway_cluster())
        for kind in (SQLITE, PG_1_DIRECT, PG_1, PG_3):
            print(f"{kind} ...", flush=True)
            with tempfile.TemporaryDirectory() as root, deployment(kind, Path(root), cluster) as r:
                results[kind] = measure(r, args, kind)
    table(results)


if __name__ == "__main__":
    main()
