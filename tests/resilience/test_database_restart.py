"""PostgreSQL stopped or restarted under a running `packyard serve`: every request meanwhile
answers at once with a retryable 503, code 14, in the API's error shape (never a 500 or a
hang), and the same server process serves again as soon as the database is back."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.postgres import PostgresCluster, throwaway_cluster
from tests.support.replicas import running_replicas
from tests.support.server import LiveServer, free_port
from tests.support.workload import (
    Client,
    Failure,
    Ledger,
    Push,
    Pusher,
    read_loop,
    run_load,
    verify,
    wait_for,
)

BOUND = 8.0  # seconds a request may take while the database is away (connect timeout 5 s)
MODES = ("fast", "immediate")


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """A cluster of this module's own, since its tests stop and restart it."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture
def server(cluster: PostgresCluster, tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(
        data_dir=tmp_path / "data", port=free_port(), database=cluster.create_database()
    )
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _clients(server: LiveServer, token: str, *, validate: bool) -> Callable[[], Client]:
    return lambda: Client(
        server.base_url,
        verify=server.tls(),
        token=token,
        organization_id=server.org_id,
        project_id=server.project_id,
        timeout=BOUND,
        validate=validate,
    )


def _seed(c: Client) -> None:
    """One finished push on each plane into bucket "seed", each onto channel "w0"."""
    pusher = Pusher(0, ("seed",), Ledger(), lambda: c)
    for plane in ("2021", "2023"):
        pusher.push(c, Push(plane, "seed", f"seed-{plane}", pusher.channel))


def _hot_reads(c: Client) -> list[str]:
    return [
        c.v1 + "/images/seed/channels/w0",
        c.v1 + "/images/seed/iteration?fingerprint=seed-2021",
        c.v2 + "/buckets/seed/channels/w0",
        c.v2 + "/buckets/seed/versions/seed-2023",
        c.v2 + "/buckets/seed",
    ]


def _every_kind(c: Client, n: int) -> list[tuple[str, str, dict[str, Any] | None]]:
    """A request of each kind: hot (cached) reads, transactional reads, writes of both planes."""
    return [
        *(("GET", path, None) for path in _hot_reads(c)),
        ("GET", c.v1 + "/images/seed/iterations", None),
        ("GET", c.v2 + "/buckets/seed/versions", None),
        ("GET", c.v2 + "/buckets/seed/channels/w0/history", None),
        ("GET", f"/resource-manager/2019-12-10/projects/{c.v1.rsplit('/', 1)[1]}", None),
        ("PUT", c.v1 + "/images", {"bucket_slug": f"down-{n}"}),
        ("POST", c.v2 + "/buckets/seed/versions", {"fingerprint": f"down-{n}"}),
        (
            "PATCH",
            c.v2 + "/buckets/seed/channels/w0",
            {"restricted": False, "update_mask": "restricted"},
        ),
    ]


def _timed(send: Callable[[], httpx.Response]) -> httpx.Response:
    started = time.monotonic()
    response = send()
    assert time.monotonic() - started < BOUND, "the request hung while the database was away"
    return response


def _token_request(server: LiveServer, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        server.base_url + "/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        verify=server.tls(),
        timeout=BOUND,
    )


@pytest.mark.parametrize("mode", MODES)
def test_every_path_answers_503_code_14_while_the_database_is_down(
    cluster: PostgresCluster, server: LiveServer, mode: str
) -> None:
    principal = server.principal("contributor")
    c = _clients(server, server.token(principal), validate=True)()
    _seed(c)
    for method, path, body in _every_kind(c, 0):  # warm the pool and the read cache
        assert c.call(method, path, json=body)[0] == 200, path
    assert server.process is not None
    pid = server.process.pid

    cluster.stop(mode)
    try:
        for method, path, body in _every_kind(c, 1):
            started = time.monotonic()
            status, answer = c.call(method, path, json=body)
            assert time.monotonic() - started < BOUND, f"{method} {path} hung"
            assert Failure(status, answer).retryable, (method, path, status, answer)
            assert c.last is not None and c.last.headers["Retry-After"] == "1"
        token = _timed(lambda: _token_request(server, principal.client_id, principal.client_secret))
        assert token.status_code == 503, token.text
        assert token.json()["error"] == "temporarily_unavailable"
        assert token.headers["Retry-After"]
        run_task = _timed(
            lambda: httpx.post(
                server.base_url + "/runtasks/unknown", content=b"{}", verify=server.tls()
            )
        )
        assert Failure(run_task.status_code, run_task.json()).retryable, run_task.text
        ready = _timed(lambda: httpx.get(server.base_url + "/readyz", verify=server.tls()))
        assert ready.status_code == 503
        healthy = httpx.get(server.base_url + "/healthz", verify=server.tls())
        assert healthy.status_code == 200  # alive: no reason to restart the process
    finally:
        cluster.start()

    deadline = time.monotonic() + 20
    while c.call("GET", _hot_reads(c)[0])[0] != 200:
        assert time.monotonic() < deadline, "the server did not recover"
        time.sleep(0.2)
    for method, path, body in _every_kind(c, 2):
        status, answer = c.call(method, path, json=body)
        assert status == 200, (method, path, answer)
    assert _token_request(server, principal.client_id, principal.client_secret).status_code == 200
    assert httpx.get(server.base_url + "/readyz", verify=server.tls()).status_code == 200
    run_task = httpx.post(server.base_url + "/runtasks/unknown", content=b"{}", verify=server.tls())
    assert run_task.status_code < 500, run_task.text
    assert server.process.poll() is None and server.process.pid == pid
    c.close()


@pytest.mark.parametrize("mode", MODES)
def test_restart_during_pushes_and_hot_reads(
    cluster: PostgresCluster, server: LiveServer, mode: str
) -> None:
    token = server.token(server.principal("contributor"))
    seeding = _clients(server, token, validate=True)()
    _seed(seeding)
    paths = _hot_reads(seeding)
    clients = _clients(server, token, validate=False)
    stop_reads = threading.Event()
    restarted_at: list[int] = []

    def restart(ledger: Ledger) -> None:
        wait_for(ledger, 60)
        cluster.restart(mode)
        restarted_at.append(ledger.acknowledged)
        wait_for(ledger, ledger.acknowledged + 60, timeout=30)  # the load goes on

    with ThreadPoolExecutor(2) as pool:
        readers = [pool.submit(read_loop, clients, paths, stop_reads) for _ in range(2)]
        try:
            ledger = run_load(
                4, ("restart-a", "restart-b"), lambda _i: clients, seconds=45, during=restart
            )
        finally:
            stop_reads.set()
        reads = [reader.result() for reader in readers]

    failures = ledger.failures + [f for r in reads for f in r.failures]
    assert failures, "the restart went unnoticed"
    unexpected = [f for f in failures if not f.retryable]
    assert not unexpected, unexpected[:5]
    assert all(r.ok for r in reads)
    verify(seeding, ledger)
    seeding.close()


def test_sqlite_write_lock_held_elsewhere_answers_503_code_14(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's analogue: a write lock held past the lock timeout (here by another process's
    transaction) is a retryable 503, while reads go on (WAL), and writes resume after it."""
    monkeypatch.setenv("PACKYARD_DB_LOCK_TIMEOUT", "1")
    live = LiveServer(data_dir=tmp_path / "data", port=free_port())
    live.start()
    try:
        c = _clients(live, live.token(live.principal("contributor")), validate=True)()
        _seed(c)
        holder = sqlite3.connect(live.data_dir / "packyard.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            for method, path, body in _every_kind(c, 1):
                started = time.monotonic()
                status, answer = c.call(method, path, json=body)
                assert time.monotonic() - started < BOUND, f"{method} {path} hung"
                if method == "GET":
                    assert status == 200, (path, answer)
                else:
                    assert Failure(status, answer).retryable, (method, path, status, answer)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        for method, path, body in _every_kind(c, 2):
            status, answer = c.call(method, path, json=body)
            assert status == 200, (method, path, answer)
        c.close()
    finally:
        live.stop()


def test_database_down_behind_the_balancer_answers_503_code_14(
    cluster: PostgresCluster, tmp_path: Path
) -> None:
    """Behind HAProxy too: first the replicas answer 503 code 14, then - once their failing
    /readyz took them all out of rotation - the balancer answers the same from its error file;
    once the database is back the balancer brings them in again."""
    with running_replicas(tmp_path, cluster.create_database(), count=2) as replica_set:
        front = replica_set.front
        c = _clients(front, front.token(front.principal("contributor")), validate=True)()
        _seed(c)
        cluster.stop("fast")
        try:
            deadline = time.monotonic() + 20
            rounds_while_out = 0
            while rounds_while_out < 2:
                assert time.monotonic() < deadline, replica_set.balancer.server_states()
                out = set(replica_set.balancer.server_states().values()) == {"DOWN"}
                for method, path, body in _every_kind(c, 1):
                    started = time.monotonic()
                    status, answer = c.call(method, path, json=body)
                    assert time.monotonic() - started < BOUND, f"{method} {path} hung"
                    assert Failure(status, answer).retryable, (method, path, status, answer)
                    assert c.last is not None and c.last.headers["Retry-After"] == "1"
                rounds_while_out += out
                time.sleep(0.5)
        finally:
            cluster.start()
        replica_set.wait_balanced()
        for method, path, body in _every_kind(c, 2):
            status, answer = c.call(method, path, json=body)
            assert status == 200, (method, path, answer)
        c.close()
