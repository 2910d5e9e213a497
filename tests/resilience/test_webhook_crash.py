"""`kill -9` of `packyard serve` with webhook deliveries pending, and with one in flight:
after a restart every event is delivered at least once, and none is lost (both stores)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import push
from tests.support.crash import kill_tree, wait_gone
from tests.support.postgres import PostgresCluster
from tests.support.server import ApiClient, LiveServer, free_port
from tests.support.webhooks import Receiver

KEY = "crash-key"
ENV = {
    "PACKYARD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "PACKYARD_WEBHOOK_RETRY_BASE": "0.2",
    "PACKYARD_WEBHOOK_MAX_ATTEMPTS": "20",
    "PACKYARD_WEBHOOK_TIMEOUT": "3",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    database = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database()
    live = LiveServer(data_dir=tmp_path / "data", port=free_port(), database=database)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _hook(admin: ApiClient, receiver: Receiver) -> dict[str, Any]:
    answer = admin.post(
        f"/2023-05-31/webhook/project/{admin.server.project_id}/webhooks",
        json={
            "name": "crash",
            "config": {"url": receiver.url, "hmac_key": KEY},
            "subscriptions": [{"events": [{"source": "hashicorp.packer.version", "action": "*"}]}],
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["webhook"]["enabled"] is True
    webhook: dict[str, Any] = answer.json()["webhook"]
    return webhook


def _kill(server: LiveServer) -> None:
    assert server.process is not None
    assert wait_gone(kill_tree(server.process.pid)) == []


def _written(server: LiveServer, admin: ApiClient, webhook: dict[str, Any]) -> set[str]:
    """The event ids of every event delivery the store holds for the webhook."""
    answer = admin.get(f"/2023-05-31/{webhook['resource_name']}/deliveries")
    return {
        item["request"]["payload"]["event_id"]
        for item in answer.json()["deliveries"]
        if item["request"]["payload"]["event_action"] != "test"
    }


def _states(server: LiveServer, webhook: dict[str, Any]) -> set[str]:
    answer = server.api("admin").get(f"/2023-05-31/{webhook['resource_name']}/deliveries")
    return {item["state"] for item in answer.json()["deliveries"]}


def test_pending_deliveries_survive_kill_9(server: LiveServer) -> None:
    receiver = Receiver(KEY)
    try:
        admin = server.api("admin")
        webhook = _hook(admin, receiver)
        receiver.status = 503  # the receiver is away: every event stays pending
        for n in range(3):
            push(admin, f"crash-pending-{n}", "fp-1", components=("null.a",))
        receiver.wait_for(lambda got: len(got) >= 3)
        written = _written(server, admin, webhook)
        assert len(written) == 9  # create, complete and assign of each push
        _kill(server)
        receiver.status = 200
        server.start()
        # the 503 answers before the kill count for nothing: wait for each event answered 200
        got = receiver.wait_for(
            lambda found: (
                written <= {i.payload["event_id"] for i in found if i.signed and i.status == 200}
            )
        )
        assert written <= {item.payload["event_id"] for item in got}
        # the server records a delivery once the receiver's answer is in: wait for that
        deadline = time.monotonic() + 20
        while (states := _states(server, webhook)) != {"DELIVERED"}:
            assert time.monotonic() < deadline, states
            time.sleep(0.1)
    finally:
        receiver.close()


def test_a_delivery_in_flight_is_sent_again_after_kill_9(server: LiveServer) -> None:
    receiver = Receiver(KEY)
    try:
        admin = server.api("admin")
        webhook = _hook(admin, receiver)
        iteration = push(admin, "crash-flight", "fp-1", components=("null.a",))
        receiver.wait_for(lambda got: len(got) >= 3)
        receiver.delay = 30  # the next delivery is in flight until the kill
        before = receiver.arrivals
        admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={"revoke_in": "0s"})
        deadline = time.monotonic() + 20
        while receiver.arrivals == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert receiver.arrivals > before, "the revocation was never sent"
        _kill(server)
        receiver.delay = 0
        server.start()
        got = receiver.wait_for(
            lambda found: any(i.payload["event_action"] == "revoke" for i in found)
        )
        revoke = [i for i in got if i.payload["event_action"] == "revoke"]
        assert all(item.signed for item in revoke)
        assert _written(server, server.api("admin"), webhook) <= {
            item.payload["event_id"] for item in got
        }
    finally:
        receiver.close()
