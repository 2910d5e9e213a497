"""`kill -9` of one replica among three on PostgreSQL during concurrent pushes of both planes,
some clients through HAProxy and some pinned to one replica: the others go on serving, and
after the killed one restarts every acknowledged write reads back from every replica, with
no half-written version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.crash import kill_tree, wait_gone
from tests.support.postgres import PostgresCluster
from tests.support.replicas import running_replicas
from tests.support.server import LiveServer
from tests.support.workload import Client, Ledger, run_load, verify, wait_for

BUCKETS = ("crash-a", "crash-b", "crash-c")
VICTIM = 1


def _client(target: LiveServer, token: str, *, validate: bool = False) -> Callable[[], Client]:
    return lambda: Client(
        target.base_url,
        verify=target.tls(),
        token=token,
        organization_id=target.org_id,
        project_id=target.project_id,
        timeout=10,
        validate=validate,
    )


def test_kill_9_of_one_replica_during_pushes(tmp_path: Path, postgres: PostgresCluster) -> None:
    with running_replicas(tmp_path, postgres.create_database(), count=3) as replica_set:
        front, replicas = replica_set.front, replica_set.replicas
        token = front.token(front.principal("contributor"))
        # Three workers through the balancer, one pinned to each replica.
        targets = [front, front, front, *replicas]
        killed: list[int] = []
        acknowledged_at_kill: list[int] = []

        def crash(ledger: Ledger) -> None:
            wait_for(ledger, 150)
            victim = replicas[VICTIM].process
            assert victim is not None
            killed.extend(kill_tree(victim.pid))
            assert wait_gone(killed) == []
            acknowledged_at_kill.append(ledger.acknowledged)
            wait_for(ledger, ledger.acknowledged + 150, timeout=40)  # the others carry on

        ledger = run_load(
            len(targets),
            BUCKETS,
            lambda i: _client(targets[i], token),
            seconds=50,
            during=crash,
        )
        assert len(killed) >= 2  # the replica's serving process and its worker
        assert ledger.failures, "the clients never noticed the kill"
        assert ledger.acknowledged >= acknowledged_at_kill[0] + 150

        replica_set.restart(VICTIM)
        replica_set.wait_balanced()
        counts = verify(_client(front, token, validate=True)(), ledger)
        assert counts["complete"] >= sum(push.finished for push in ledger.pushes)
        for replica in replicas:  # every replica reads the same store
            verify(_client(replica, token)(), ledger)
