"""Benchmark of webhooks (not a test): deliveries per second, and what the outbox costs a push.

    python bench/bench_webhooks.py [--events 2000] [--pushes 40]

1. Deliveries per second: a backlog of `--events` pending deliveries (a real `revoke`
   event's payload, signed per delivery) is written into the store in one transaction, and
   the server's delivery worker drains it to a local receiver (Python's ThreadingHTTPServer
   on loopback, answering 200 at once); the rate is events over the time from the backlog's
   commit to the last one received.
2. The outbox's cost to a push: Packer 1.16's push sequence (15 requests, 3 builds; see
   bench_2023.py) in `--pushes` pairs, one push with the project's webhook disabled and one
   with it enabled (subscribed to every event: 3 events a push, delivered as they come), so
   that both of a pair meet the same load; the ratio is the median of the pairs', of the
   server time of a push (the server's own latency histogram) and of the client's wall time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench_2023 import push
from harness import _server_seconds
from tests.support.server import ApiClient, running_server
from tests.support.webhooks import Receiver

from packyard.config import Settings
from packyard.ids import new_id, utcnow
from packyard.store.engine import Store, make_engine
from packyard.store.webhook_tables import webhook_deliveries


def _hook(api: ApiClient, receiver: Receiver, name: str) -> dict[str, object]:
    answer = api.post(
        f"/2023-05-31/webhook/project/{api.server.project_id}/webhooks",
        json={"name": name, "config": {"url": receiver.url, "hmac_key": "bench-key"}},
    )
    assert answer.status_code == 200 and answer.json()["webhook"]["enabled"], answer.text
    webhook: dict[str, object] = answer.json()["webhook"]
    return webhook


def _pushes(api: ApiClient, count: int, start: int) -> tuple[float, float]:
    """Mean server ms and mean wall ms of a push."""
    server, wall = [], []
    for n in range(start, start + count):
        before, began = _server_seconds(api), time.perf_counter()
        push(api, n)
        wall.append(1000 * (time.perf_counter() - began))
        after = _server_seconds(api)
        server.append(1000 * sum(v[0] - before.get(op, (0.0, 0.0))[0] for op, v in after.items()))
    return sum(server) / count, sum(wall) / count


def deliveries_per_second(api: ApiClient, events: int) -> None:
    receiver = Receiver("bench-key")
    try:
        webhook = _hook(api, receiver, "drain")
        api.put(api.v2 + "/buckets", json={"name": "drain"})
        push(api, 10_000)  # one real event's payload to copy
        got = receiver.wait_for(lambda found: bool(found))
        payload = got[0].payload
        engine = make_engine(
            Settings(api.server.data_dir, database_url=api.server.database).store_url
        )
        store, now = Store(engine), utcnow()
        rows = [
            {
                "id": new_id(),
                "webhook_id": webhook["resource_id"],
                "event_id": f"bench.event:{n}",
                "action": "revoke",
                "subject_id": "bench",
                "payload": {**payload, "event_id": f"bench.event:{n}"},
                "state": "PENDING",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "sent_at": None,
                "request_headers": {},
                "response_status": 0,
                "response_headers": {},
                "response_body": "",
                "error": "",
            }
            for n in range(events)
        ]
        before = len(receiver.events())
        with store.transaction(write=True) as conn:
            conn.execute(webhook_deliveries.insert(), rows)
        began = time.perf_counter()
        receiver.wait_for(lambda found: len(found) >= before + events, timeout=600)
        seconds = time.perf_counter() - began
        engine.dispose()
        print(
            f"\n{events} deliveries drained in {seconds:.2f} s: {events / seconds:.0f} events/s "
            f"(payload {len(got[0].body)} bytes, signed; one server process)"
        )
        api.delete(f"/2023-05-31/{webhook['resource_name']}")
    finally:
        receiver.close()


def outbox_cost(api: ApiClient, pushes: int) -> None:
    """Pushes in pairs under the same load: one with the webhook disabled (no event is
    written), one with it enabled (3 events written and delivered); the median of the pairs'
    ratios, and the means."""
    _pushes(api, 5, 20_000)  # warm up
    receiver = Receiver("bench-key")
    try:
        webhook = _hook(api, receiver, "push")
        path = f"/2023-05-31/{webhook['resource_name']}"
        pairs: list[tuple[tuple[float, float], tuple[float, float]]] = []
        for n in range(pushes):
            api.patch(path, json={"update_mask": "enabled", "webhook": {"enabled": False}})
            plain = _pushes(api, 1, 2 * n)
            api.patch(path, json={"update_mask": "enabled", "webhook": {"enabled": True}})
            hooked = _pushes(api, 1, 2 * n + 1)
            pairs.append((plain, hooked))
    finally:  # (a delivery still pending when the webhook is disabled again is cancelled)
        receiver.close()
    server = sorted(h[0] / p[0] for p, h in pairs)
    wall = sorted(h[1] / p[1] for p, h in pairs)
    mean = [sum(pair[i][j] for pair in pairs) / pushes for i in (0, 1) for j in (0, 1)]
    print(
        f"\npush sequence, {pushes} pairs: mean without a webhook {mean[0]:.1f} ms server"
        f" / {mean[1]:.1f} ms wall, with one {mean[2]:.1f} ms / {mean[3]:.1f} ms;"
        f" median ratio of the pairs {server[pushes // 2]:.2f} (server),"
        f" {wall[pushes // 2]:.2f} (wall)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--pushes", type=int, default=40)
    args = parser.parse_args()
    os.environ["PACKYARD_WEBHOOK_ALLOWED_NETWORKS"] = "127.0.0.1/32"
    with tempfile.TemporaryDirectory() as root, running_server(Path(root)) as server:
        api = server.api("admin")
        outbox_cost(api, args.pushes)
        deliveries_per_second(api, args.events)


if __name__ == "__main__":
    main()
