"""Three replicas on one PostgreSQL database, each with its delivery worker: every event is
delivered once under normal operation (the claim is FOR UPDATE SKIP LOCKED). Duplicates are
counted by event id; none is expected."""

from __future__ import annotations

import collections
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.api.conftest import push
from tests.support.postgres import PostgresCluster
from tests.support.replicas import running_replicas
from tests.support.webhooks import Receiver

KEY = "replicas-key"
PUSHES = 24  # three events each: create, complete, assign


def test_three_replicas_deliver_each_event_once(
    postgres: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACKYARD_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    receiver = Receiver(KEY)
    receiver.delay = 0.02  # long enough for the replicas' claims to overlap
    try:
        with running_replicas(tmp_path, postgres.create_database()) as replicas:
            admin = replicas.front.api("admin")
            created = admin.post(
                f"/2023-05-31/webhook/project/{replicas.front.project_id}/webhooks",
                json={"name": "replicas", "config": {"url": receiver.url, "hmac_key": KEY}},
            )
            assert created.status_code == 200, created.text
            assert created.json()["webhook"]["enabled"] is True
            clients = [replicas.front.api("contributor") for _ in range(4)]
            with ThreadPoolExecutor(4) as pool:
                list(
                    pool.map(
                        lambda n: push(
                            clients[n % 4], f"replicas-{n}", "fp-1", components=("null.a",)
                        ),
                        range(PUSHES),
                    )
                )
            expected = PUSHES * 3
            receiver.wait_for(lambda got: len({i.payload["event_id"] for i in got}) >= expected)
            time.sleep(2)  # any duplicate would have arrived by now
            got = receiver.events()
            counts = collections.Counter(item.payload["event_id"] for item in got)
            duplicates = {event: n for event, n in counts.items() if n > 1}
            print(f"events {len(counts)}, deliveries {len(got)}, duplicates {len(duplicates)}")
            assert len(counts) == expected
            assert duplicates == {}
            assert all(item.signed for item in got)
            by_replica = [
                replica.log_text().count('"webhook_delivery"') for replica in replicas.replicas
            ]
            print(f"deliveries by replica: {by_replica}")
            assert sum(by_replica) == expected
            assert sum(1 for n in by_replica if n) >= 2, by_replica  # the work was shared
    finally:
        receiver.close()
