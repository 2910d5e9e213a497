"""`kill -9` of a single SQLite `packyard serve` during concurrent pushes of both planes:
after a restart every acknowledged write is there, and no version is half-written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.crash import descendants, kill_tree, wait_gone
from tests.support.server import LiveServer, free_port
from tests.support.workload import Client, Ledger, run_load, verify, wait_for

WORKERS = 6
BUCKETS = ("crash-a", "crash-b", "crash-c")


def _clients(server: LiveServer, token: str) -> Callable[[int], Callable[[], Client]]:
    def for_worker(_index: int) -> Callable[[], Client]:
        return lambda: Client(
            server.base_url,
            verify=server.tls(),
            token=token,
            organization_id=server.org_id,
            project_id=server.project_id,
            timeout=5,
        )

    return for_worker


def test_kill_9_during_pushes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    server = LiveServer(data_dir=tmp_path / "data", port=free_port())
    server.start()
    try:
        token = server.token(server.principal("contributor"))
        clients = _clients(server, token)
        killed: list[int] = []

        def crash(ledger: Ledger) -> None:
            wait_for(ledger, 150)
            assert server.process is not None
            killed.extend(kill_tree(server.process.pid))
            assert wait_gone(killed) == []

        ledger = run_load(WORKERS, BUCKETS, clients, seconds=40, during=crash, after=1.0)
        assert len(killed) >= 2  # the serving process and its worker
        interrupted = [push for push in ledger.pushes if push.pending and not push.finished]
        assert interrupted, "the kill hit no write in flight"
        assert ledger.failures, "the clients never noticed the kill"

        server.start()
        reader = clients(0)()
        counts = verify(reader, ledger)
        assert counts["complete"] >= sum(push.finished for push in ledger.pushes)
        again = run_load(2, BUCKETS, clients, seconds=3, label="after-")
        assert not again.failures and any(push.finished for push in again.pushes)
        verify(reader, again)
        reader.close()
    finally:
        server.stop()


def test_workers_stop_when_the_serving_process_is_killed(tmp_path: Path) -> None:
    server = LiveServer(data_dir=tmp_path / "data", port=free_port())
    server.start("--workers", "2")
    try:
        assert server.process is not None
        workers = descendants(server.process.pid)
        assert len(workers) >= 2
        server.process.kill()  # SIGKILL to the serving process alone
        server.process.wait()
        assert wait_gone(workers, timeout=20) == [], "workers outlived the killed server"
        server.start()  # the port is free again
        assert server.token(server.principal("viewer"))
    finally:
        server.stop()
