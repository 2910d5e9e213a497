"""Where the race proofs run: one SQLite server (two worker processes on one store file), and
three replicas on one PostgreSQL database behind HAProxy. Ids end in [sqlite] / [replicas]."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any, TypeVar

import httpx
import pytest

from tests.support.postgres import PostgresCluster
from tests.support.replicas import ReplicaSet, running_replicas
from tests.support.server import ApiClient, LiveServer, running_server

T = TypeVar("T")


class Deployment:
    """What a race test talks to: one address (a server or the balancer) and its store."""

    def __init__(self, front: LiveServer, replicas: ReplicaSet | None = None) -> None:
        self.front = front
        self.replicas = replicas
        self._token: str | None = None

    @property
    def servers(self) -> list[LiveServer]:
        """Every process that answers (each replica, or the one server)."""
        return self.replicas.replicas if self.replicas else [self.front]

    def clients(self, count: int, role: str = "contributor") -> list[ApiClient]:
        """`count` clients with connections of their own (each is balanced on its own)."""
        if self._token is None:
            self._token = self.front.token(self.front.principal(role))
        return [ApiClient(self.front, self._token) for _ in range(count)]

    def direct(self, server: LiveServer) -> ApiClient:
        """A client of one replica (or the server), bypassing the balancer."""
        assert self._token is not None
        return ApiClient(server, self._token)

    def served(self, path_part: str) -> list[int]:
        """Requests each replica answered whose path has `path_part` (one count per server)."""
        return self.replicas.requests_served(path_part) if self.replicas else [1]


@pytest.fixture(scope="package")
def replica_set(
    postgres: PostgresCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReplicaSet]:
    """Three replicas on one PostgreSQL database behind HAProxy."""
    root: Path = tmp_path_factory.mktemp("replicas")
    with running_replicas(root, postgres.create_database(), count=3) as replicas:
        yield replicas


@pytest.fixture(scope="package", params=["sqlite", "replicas"])
def deployment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    if request.param == "sqlite":
        with running_server(tmp_path_factory.mktemp("race-sqlite"), "--workers", "2") as server:
            yield Deployment(server)
        return
    replicas: ReplicaSet = request.getfixturevalue("replica_set")
    yield Deployment(replicas.front, replicas)


def all_at_once(calls: list[Any]) -> list[httpx.Response]:
    """Run every call in a thread of its own, released together; answers in call order."""
    barrier = Barrier(len(calls))

    def run(call: Any) -> httpx.Response:
        barrier.wait(timeout=30)
        response: httpx.Response = call()
        return response

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def spread(deployment: Deployment, path_part: str, before: list[int]) -> None:
    """Every replica answered part of the race (trivially true of a single server)."""
    after = deployment.served(path_part)
    if deployment.replicas:
        assert all(b > a for a, b in zip(before, after, strict=True)), (before, after)


def done_version(api: ApiClient, bucket: str, fingerprint: str, n: int) -> str:
    """A version of `bucket` with one done build (artifact `ext-<n>`); answers its id."""
    made = api.post(
        api.v2 + f"/buckets/{bucket}/versions",
        json={"fingerprint": fingerprint, "template_type": "HCL2"},
    )
    assert made.status_code == 200, made.text
    build = api.post(
        api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds",
        json={
            "component_type": "null.a",
            "status": "BUILD_DONE",
            "platform": "null",
            "artifacts": [{"external_identifier": f"ext-{n}", "region": "r1"}],
        },
    )
    assert build.status_code == 200, build.text
    version_id: str = made.json()["version"]["id"]
    return version_id
