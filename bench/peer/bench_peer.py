"""Benchmark beside the Go peer (not a test): Packyard and benemon/dufflebag v0.2.1 on the
same machine and the same PostgreSQL, with the same content, routes and load client.

    python bench/peer/bench_peer.py [--seconds 5] [--pushes 30] [--workers 1]

Three servers run at once, all over plain HTTP on loopback: the peer (on a PostgreSQL
database owned by a NOSUPERUSER NOBYPASSRLS role, as it requires), Packyard on the same
PostgreSQL cluster (its own database) and Packyard on SQLite. Each is seeded through its
2023-01-01 API with the same content: bucket "bench" with one version of 10 builds x 3
artifacts, and 50 empty buckets. Then, route by route and server by server in turn, wrk at
1 and 32 connections for `--seconds` each: GetVersion, ListBuckets (the default page: all
51), and the readiness route (Packyard's /readyz against the peer's /sys/health, both of
which ask the database). Then `--pushes` Packer 1.16 push sequences (15 requests, the same
as bench/bench_2023.py) from one client thread, timed by the client, twice over: with
httpx, and with the standard library's http.client on one kept connection. httpx spends
about a millisecond of its own on each request, the same for every server, which narrows
the servers' ratio; the lean client is nearer what Packer's Go client costs. Before all
that, three more servers of the same kinds take the same pushes into empty stores: the
peer's writes slow as its store grows, so the ratio depends on what each store holds.
Printed: throughput, p50 / p99 and Packyard's ratio to the peer, and for the lean client's
rounds each request's p50.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dufflebag import running_peer, serving_role, tenancy, token
from harness import (
    postgres_commit_floor,
    postgres_round_trip,
    print_commit_floor,
    sqlite_commit_floor,
    wrk,
)
from tests.support.postgres import throwaway_cluster
from tests.support.server import PACKYARD, free_port

PEER = "dufflebag (PostgreSQL)"
PG = "Packyard (PostgreSQL)"
SQLITE = "Packyard (SQLite)"


@dataclass
class Target:
    name: str
    base_url: str
    v2: str
    ready_path: str
    fresh_token: Callable[[], str]

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.fresh_token()}"},
            timeout=30,
        )


@contextmanager
def packyard_target(name: str, root: Path, database: str | None, workers: int) -> Iterator[Target]:
    data_dir = root / "data"
    port = free_port()
    store = ["--database", database] if database else []
    common = ["--data-dir", str(data_dir), *store]
    with open(root / "server.log", "ab") as log:
        process = subprocess.Popen(
            [
                *PACKYARD,
                "serve",
                *common,
                "--port",
                str(port),
                "--insecure-http",
                "--workers",
                str(workers),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("packyard serve exited:\n" + (root / "server.log").read_text())
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("packyard did not start:\n" + (root / "server.log").read_text())
            time.sleep(0.2)

        def cli(*args: str) -> dict[str, str]:
            done = subprocess.run(
                [*PACKYARD, *args, *common], capture_output=True, text=True, check=True
            )
            found: dict[str, str] = json.loads(done.stdout)
            return found

        values = cli("env", "--json")
        principal = cli("principal", "create", "bench", "--role", "admin", "--json")
        org, project = values["HCP_ORGANIZATION_ID"], values["HCP_PROJECT_ID"]
        yield Target(
            name,
            base,
            f"/packer/2023-01-01/organizations/{org}/projects/{project}",
            "/readyz",
            lambda: token(base, principal["client_id"], principal["client_secret"]),
        )
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def peer_target(admin_url: str, root: Path, role: str) -> Iterator[Target]:
    with running_peer(serving_role(admin_url, role), root / "peer.log") as peer:
        org, project, client_id, secret = tenancy(peer)
        yield Target(
            PEER,
            peer.base_url,
            f"/packer/2023-01-01/organizations/{org}/projects/{project}",
            "/sys/health",
            lambda: token(peer.base_url, client_id, secret),
        )


class Answer(Protocol):
    status_code: int
    text: str

    def json(self) -> Any: ...


class PushClient(Protocol):
    def request(self, method: str, url: str, *, json: object = None) -> Answer: ...

    def get(self, url: str) -> Answer: ...


@dataclass
class LeanAnswer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class LeanClient:
    """http.client on one kept connection, with the bearer token and JSON bodies."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        # ms of each request, by its method and path with the names and ids left out
        self.took: dict[str, list[float]] = {}

    def request(self, method: str, url: str, *, json: object = None) -> LeanAnswer:
        body = None if json is None else _encode(json)
        started = time.perf_counter()
        self.connection.request(method, url, body=body, headers=self.headers)
        response = self.connection.getresponse()
        answer = LeanAnswer(response.status, response.read().decode())
        shape = f"{method} {_shape(url)} {answer.status_code}"
        self.took.setdefault(shape, []).append(1000 * (time.perf_counter() - started))
        return answer

    def get(self, url: str) -> LeanAnswer:
        return self.request("GET", url)

    def close(self) -> None:
        self.connection.close()


def _shape(url: str) -> str:
    """The path after the project, each name or id as `*`: `buckets/*/versions/*/builds`."""
    kept = {"buckets", "versions", "builds", "enforced_blocks", "bucket"}
    parts = url.split("/projects/", 1)[-1].split("/")[1:]
    return "/".join(part if part in kept else "*" for part in parts)


def _encode(body: object) -> bytes:
    return json.dumps(body).encode()


def _ok(c: PushClient, method: str, path: str, body: object = None) -> Answer:
    response = c.request(method, path, json=body)
    if response.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
    return response


def seed(target: Target) -> None:
    """bench_2023's bucket (one version of 10 builds x 3 artifacts) and 50 empty buckets."""
    with target.client() as c:
        v2 = target.v2
        _ok(c, "PUT", v2 + "/buckets", {"name": "bench"})
        _ok(
            c,
            "POST",
            v2 + "/buckets/bench/versions",
            {"fingerprint": "hot", "template_type": "HCL2"},
        )
        builds = v2 + "/buckets/bench/versions/hot/builds"
        ids = [
            _ok(c, "POST", builds, {"component_type": f"amazon-ebs.image-{n}"}).json()["build"][
                "id"
            ]
            for n in range(10)
        ]
        for build_id in ids:
            _ok(c, "PATCH", builds + f"/{build_id}", {"status": "BUILD_RUNNING"})
            _ok(
                c,
                "PATCH",
                builds + f"/{build_id}",
                {
                    "status": "BUILD_DONE",
                    "platform": "aws",
                    "labels": {"os": "ubuntu"},
                    "artifacts": [
                        {"external_identifier": f"ami-{build_id[-8:]}-{r}", "region": r}
                        for r in ("us-east-1", "eu-west-1", "ap-south-1")
                    ],
                },
            )
        for n in range(1, 51):
            _ok(c, "PUT", v2 + "/buckets", {"name": f"b{n:04d}"})
        version = c.get(v2 + "/buckets/bench/versions/hot")
        listing = c.get(v2 + "/buckets")
        print(
            f"{target.name}: GetVersion {len(version.content)} bytes, ListBuckets "
            f"{len(listing.json()['buckets'])} buckets / {len(listing.content)} bytes",
            flush=True,
        )


def push(c: PushClient, v2: str, name: str) -> None:
    """What Packer 1.16 sends for one version with 3 builds (15 requests)."""
    bucket = v2 + f"/buckets/{name}"
    c.get(bucket)  # 404
    _ok(c, "PUT", v2 + "/buckets", {"name": name})
    c.get(bucket + "/versions/f")  # 409
    _ok(c, "POST", bucket + "/versions", {"fingerprint": "f", "template_type": "HCL2"})
    _ok(c, "GET", bucket + "/versions/f/builds")
    _ok(c, "GET", v2 + f"/enforced_blocks/bucket/{name}")
    ids = [
        _ok(c, "POST", bucket + "/versions/f/builds", {"component_type": f"c{k}"}).json()["build"][
            "id"
        ]
        for k in range(3)
    ]
    for build_id in ids:
        _ok(c, "PATCH", bucket + f"/versions/f/builds/{build_id}", {"status": "BUILD_RUNNING"})
    for build_id in ids:
        _ok(
            c,
            "PATCH",
            bucket + f"/versions/f/builds/{build_id}",
            {
                "status": "BUILD_DONE",
                "platform": "aws",
                "artifacts": [{"external_identifier": "ami-1", "region": "us-east-1"}],
            },
        )


@dataclass
class Timing:
    """`count` pushes from one client: sequences a second, p50 and p99 ms, and with the lean
    client each request's p50 ms by its shape."""

    rate: float
    p50: float
    p99: float
    by_request: dict[str, float]


def pushes(target: Target, count: int, round_: int, *, lean: bool) -> Timing:
    took = []
    lean_client = LeanClient(target.base_url, target.fresh_token()) if lean else None
    with target.client() as c:
        client: Any = lean_client or c
        for n in range(count):
            started = time.perf_counter()
            push(client, target.v2, f"push-{round_}-{n}-{int(lean)}")
            took.append(1000 * (time.perf_counter() - started))
    by_request = {}
    if lean_client is not None:
        lean_client.close()
        by_request = {shape: statistics.median(ms) for shape, ms in lean_client.took.items()}
    took.sort()
    return Timing(
        1000 * len(took) / sum(took),
        took[len(took) // 2],
        took[int(len(took) * 0.99) - 1],
        by_request,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pushes", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1, help="Packyard's granian workers")
    args = parser.parse_args()
    print(f"load at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    with ExitStack() as stack:
        cluster = stack.enter_context(throwaway_cluster())

        def root() -> Path:
            return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-peer-")))

        def servers(into: ExitStack, peer_role: str) -> list[Target]:
            admin = cluster.admin_url()
            return [
                into.enter_context(peer_target(admin, root(), peer_role)),
                into.enter_context(
                    packyard_target(PG, root(), cluster.create_database(), args.workers)
                ),
                into.enter_context(packyard_target(SQLITE, root(), None, args.workers)),
            ]

        # First the push into three empty stores, on servers of their own: the peer's writes
        # slow as its store grows (each push adds a version) and Packyard's do not, so the
        # ratio depends on what each store holds.
        with ExitStack() as empty_stack:
            empty = {}
            for target in servers(empty_stack, "dufflebag_empty"):
                pushes(target, 3, 0, lean=True)  # warm
                empty[target.name] = pushes(target, args.pushes, 1, lean=True)
        targets = servers(stack, "dufflebag")
        for target in targets:
            seed(target)
        routes = {
            "GetVersion": lambda t: t.v2 + "/buckets/bench/versions/hot",
            "ListBuckets": lambda t: t.v2 + "/buckets",
            "readiness (/readyz, /sys/health)": lambda t: t.ready_path,
        }
        rows = []
        for label, path_of in routes.items():
            for connections in (1, 32):
                got = {}
                for target in targets:
                    got[target.name] = wrk(
                        target.base_url + path_of(target),
                        target.fresh_token(),
                        connections,
                        args.seconds,
                    )
                rows.append((label, connections, got))
        push_rows: dict[str, dict[str, Timing]] = {
            "http.client client, into empty stores": empty,
            "httpx client, after the seed and the read loads": {},
            "http.client client, after the seed and the read loads": {},
        }
        after = list(push_rows)[1:]
        for target in targets:
            pushes(target, 3, 0, lean=False)  # warm
            for lean, rows_of in zip((False, True), after, strict=True):
                push_rows[rows_of][target.name] = pushes(target, args.pushes, 1, lean=lean)
        floors = {
            "PostgreSQL": postgres_commit_floor(cluster.create_database()),
            "SQLite, WAL, synchronous=FULL": sqlite_commit_floor(root()),
        }
        round_trip = postgres_round_trip(cluster.create_database())
    print(f"\nload at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"\n| route | connections | {PEER} req/s | {PG} req/s | ratio | {SQLITE} req/s | ratio |"
        " p50 / p99 ms: peer, PostgreSQL, SQLite |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, connections, got in rows:
        peer, pg, lite = got[PEER], got[PG], got[SQLITE]
        print(
            f"| {label} | {connections} | {peer['rps']:.0f} | {pg['rps']:.0f} | "
            f"{pg['rps'] / peer['rps']:.2f}x | {lite['rps']:.0f} | {lite['rps'] / peer['rps']:.2f}x"
            f" | {peer['p50']:.2f} / {peer['p99']:.2f}, {pg['p50']:.2f} / {pg['p99']:.2f}, "
            f"{lite['p50']:.2f} / {lite['p99']:.2f} |"
        )
    for client_name, by_server in push_rows.items():
        peer_rate = by_server[PEER].rate
        print(f"\npush sequence (15 requests, one {client_name}, {args.pushes} pushes):\n")
        print("| server | sequences/s | ratio to peer | p50 ms | p99 ms |")
        print("|---|---|---|---|---|")
        for name, timing in by_server.items():
            print(
                f"| {name} | {timing.rate:.1f} | {timing.rate / peer_rate:.2f}x | "
                f"{timing.p50:.1f} | {timing.p99:.1f} |"
            )
        if by_server[PEER].by_request:
            print(f"\np50 ms of each request: | {' | '.join(by_server)} |")
            print("|---|" + "---|" * len(by_server))
            for shape in by_server[PEER].by_request:
                cells = " | ".join(f"{t.by_request.get(shape, 0):.2f}" for t in by_server.values())
                print(f"| {shape} | {cells} |")
    print()
    for label, floor_ms in floors.items():
        print_commit_floor(label, floor_ms)
    print(f"PostgreSQL round trip (SELECT 1 on a kept connection): p50 {round_trip:.3f} ms")


if __name__ == "__main__":
    main()
