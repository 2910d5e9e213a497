"""Webhooks over HTTP: HCP's webhook service (2023-05-31) and the events it delivers.

The module runs its own server, whose settings allow the test receiver's loopback address
(127.0.0.1) as an operator allows a network, and retry quickly (PACKYARD_WEBHOOK_RETRY_BASE).
Answers are held to hcp-sdk-go's cloud-webhook models (tests/support/webhooks.py); each
receiver checks the signature as HCP's documentation shows.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import error, push
from tests.api.tenants import new_tenant
from tests.support.server import ApiClient, LiveServer, running_server
from tests.support.webhooks import Receiver, validated

ENV = {
    "PACKYARD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "PACKYARD_WEBHOOK_RETRY_BASE": "0.2",
    "PACKYARD_WEBHOOK_MAX_ATTEMPTS": "4",
    "PACKYARD_WEBHOOK_TIMEOUT": "3",
}
KEY = "s3cret-webhook-key"
_names = itertools.count()
HCP = "hashicorp.packer.version"


@pytest.fixture(scope="module")
def live_server(
    store_backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp(f"webhooks-{store_backend}")
    database = None
    if store_backend == "postgresql":
        database = request.getfixturevalue("postgres").create_database()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENV.items():
            patch.setenv(key, value)
        with running_server(root, database=database) as server:
            yield server


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(KEY)
    yield found
    found.close()


def _base(api: ApiClient) -> str:
    return f"/2023-05-31/webhook/project/{api.server.project_id}"


def _path(api: ApiClient, name: str) -> str:
    return f"/2023-05-31/webhook/project/{api.server.project_id}/geo/us/webhook/{name}"


@pytest.fixture
def hooks(admin: ApiClient) -> Iterator[list[str]]:
    """Names of the webhooks a test made, deleted after it (events go to every webhook of
    the project)."""
    made: list[str] = []
    yield made
    for name in made:
        admin.delete(_path(admin, name))


def create(
    admin: ApiClient,
    hooks: list[str],
    receiver: Receiver,
    *,
    key: str = KEY,
    subscriptions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    name = f"hook-{next(_names)}"
    hooks.append(name)
    body: dict[str, Any] = {"name": name, "config": {"url": receiver.url, "hmac_key": key}}
    if subscriptions is not None:
        body["subscriptions"] = subscriptions
    body.update(extra)
    response = admin.post(_base(admin) + "/webhooks", json=body)
    assert response.status_code == 200, response.text
    webhook: dict[str, Any] = validated("webhook", response.json())["webhook"]
    return webhook


def deliveries(admin: ApiClient, webhook: dict[str, Any]) -> list[dict[str, Any]]:
    response = admin.get(f"/2023-05-31/{webhook['resource_name']}/deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = validated("deliveries", response.json())["deliveries"]
    return found


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_create_verifies_and_never_shows_the_key(admin, hooks, receiver):
    webhook = create(admin, hooks, receiver, description="to chat")
    assert webhook["enabled"] is True
    assert webhook["resource_name"] == (
        f"webhook/project/{admin.server.project_id}/geo/us/webhook/{hooks[0]}"
    )
    [test] = receiver.received
    assert test.payload["event_action"] == "test"
    assert test.signed is True
    got = admin.get(f"/2023-05-31/{webhook['resource_name']}")
    listed = admin.get(_base(admin) + "/webhooks")
    for answer in (got, listed):
        assert answer.status_code == 200, answer.text
        assert KEY not in answer.text
    validated("webhook", got.json())
    assert got.json()["webhook"]["last_delivery"]["response"]["status_code"] == 200
    assert hooks[0] in [w["resource_name"].rsplit("/", 1)[1] for w in listed.json()["webhooks"]]
    validated("webhooks", listed.json())
    [logged] = deliveries(admin, webhook)
    assert logged["request"]["payload"]["event_action"] == "test"
    assert KEY not in str(deliveries(admin, webhook))
    error(
        admin.post(
            _base(admin) + "/webhooks", json={"name": hooks[0], "config": {"url": receiver.url}}
        ),
        409,
        6,
    )


def test_a_receiver_that_fails_verification_leaves_it_disabled(admin, hooks, receiver):
    receiver.status = 500
    webhook = create(admin, hooks, receiver)
    assert webhook["enabled"] is False
    [logged] = deliveries(admin, webhook)
    assert logged["response"]["status_code"] == 500
    assert logged["state"] == "FAILED"
    push(admin, f"disabled-{next(_names)}", "fp-1")
    time.sleep(0.5)
    assert receiver.events() == []  # a disabled webhook gets no events
    receiver.status = 200
    enabled = admin.patch(
        f"/2023-05-31/{webhook['resource_name']}",
        json={"update_mask": "enabled", "webhook": {"enabled": True}},
    )
    assert validated("webhook", enabled.json())["webhook"]["enabled"] is True
    assert [r.payload["event_action"] for r in receiver.received] == ["test", "test"]


def test_a_push_is_delivered_signed_with_hcp_payloads(admin, hooks, receiver, name):
    create(admin, hooks, receiver, subscriptions=[{"events": [{"source": HCP, "action": "*"}]}])
    iteration = push(admin, name, "fp-1")
    found = receiver.wait_for(
        lambda got: (
            {"create", "complete", "assign"} <= {item.payload["event_action"] for item in got}
        )
    )
    assert all(item.signed is True for item in found)
    assert all(item.headers["Content-Type"] == "application/json" for item in found)
    registry = admin.get(admin.v2 + "/registry").json()["registry"]
    complete = next(item.payload for item in found if item.payload["event_action"] == "complete")
    assert complete["event_source"] == HCP
    assert complete["event_description"] == "Completed version"
    assert complete["event_version"] == "1"
    assert complete["event_id"].startswith("packer.event:")
    assert complete["resource_id"] == registry["id"]
    event = complete["event_payload"]
    assert event["organization_id"] == admin.server.org_id
    assert event["project_id"] == admin.server.project_id
    assert event["registry"]["id"] == registry["id"]
    assert event["bucket"]["name"] == name
    version = event["version"]
    assert version["id"] == iteration["id"]
    assert version["name"] == "v1"
    assert version["fingerprint"] == "fp-1"
    assert version["status"] == "ACTIVE"
    assert version["revoke_at"] == version["revocation_message"] == ""
    assert version["revocation_author"] == ""
    assert event["actor"]["principal_id"]
    builds = {build["component_type"]: build for build in event["builds"]}
    assert set(builds) == {"null.a", "file.b"}
    assert builds["null.a"]["artifacts"][0]["external_identifier"] == "img-null.a"
    assign = next(item.payload for item in found if item.payload["event_action"] == "assign")
    assert assign["event_payload"]["channel"]["name"] == "latest"
    assert assign["event_payload"]["previous_version"] is None
    second = push(admin, name, "fp-2")
    again = receiver.wait_for(
        lambda got: len([i for i in got if i.payload["event_action"] == "assign"]) == 2
    )
    moved = [i.payload for i in again if i.payload["event_action"] == "assign"][1]
    assert moved["event_payload"]["version"]["id"] == second["id"]
    assert moved["event_payload"]["previous_version"]["id"] == iteration["id"]
    assert moved["event_payload"]["previous_builds"][0]["artifacts"]


def test_a_channel_created_with_a_version_tells_of_its_assignment(admin, hooks, receiver, name):
    assigns = [{"events": [{"source": HCP, "action": "assign"}]}]
    create(admin, hooks, receiver, subscriptions=assigns)
    iteration = push(admin, name, "fp-1")
    receiver.wait_for(lambda got: len(got) == 1)  # latest
    made = admin.post(
        admin.v2 + f"/buckets/{name}/channels",
        json={"name": "production", "version_fingerprint": "fp-1"},
    )
    assert made.is_success, made.text
    found = receiver.wait_for(lambda got: len(got) == 2)
    assigned = found[1].payload["event_payload"]
    assert assigned["channel"]["name"] == "production"
    assert assigned["version"]["id"] == iteration["id"]
    assert assigned["previous_version"] is None
    admin.post(admin.v2 + f"/buckets/{name}/channels", json={"name": "empty"})
    time.sleep(1)
    assert len(receiver.events()) == 2  # a channel made with no version assigns nothing


def _count(got: list[Any], action: str) -> int:
    return [item.payload["event_action"] for item in got].count(action)


def test_revoke_restore_schedule_cancel_and_delete(admin, hooks, receiver, name):
    iteration = push(admin, name, "fp-1")
    create(admin, hooks, receiver)
    path = admin.v1 + f"/iterations/{iteration['id']}"
    revoked = admin.patch(path, json={"revoke_in": "0s", "revocation_message": "CVE-1"})
    assert revoked.status_code == 200, revoked.text
    [event] = receiver.wait_for(lambda got: len(got) == 1)
    assert event.signed is True
    assert event.payload["event_action"] == "revoke"
    version = event.payload["event_payload"]["version"]
    assert version["status"] == "REVOKED"
    assert version["revocation_message"] == "CVE-1"
    assert version["revoke_at"] and version["revoked_at"]
    assert admin.patch(path, json={"restore": True}).status_code == 200
    receiver.wait_for(lambda got: _count(got, "restore") == 1)
    soon = datetime.now(UTC) + timedelta(seconds=2)
    assert admin.patch(path, json={"revoke_at": _rfc3339(soon)}).status_code == 200
    receiver.wait_for(lambda got: _count(got, "schedule-revocation") == 1)
    found = receiver.wait_for(lambda got: _count(got, "revocation-effective") == 1, timeout=10)
    assert datetime.now(UTC) >= soon
    effective = next(i for i in found if i.payload["event_action"] == "revocation-effective")
    assert effective.payload["event_source"] == "hashicorp.packyard.version"
    assert effective.payload["event_payload"]["version"]["status"] == "REVOKED"
    assert admin.patch(path, json={"restore": True}).status_code == 200
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert admin.patch(path, json={"revoke_at": _rfc3339(later)}).status_code == 200
    assert admin.patch(path, json={"restore": True}).status_code == 200
    receiver.wait_for(lambda got: _count(got, "cancel-revocation") == 1)
    time.sleep(1.5)
    actions = [i.payload["event_action"] for i in receiver.events()]
    assert actions.count("revocation-effective") == 1  # the cancelled one never went out
    assert admin.delete(admin.v2 + f"/buckets/{name}/versions/fp-1").is_success
    found = receiver.wait_for(lambda got: _count(got, "delete") == 1)
    deleted = next(i for i in found if i.payload["event_action"] == "delete")
    assert deleted.payload["event_payload"]["version"]["id"] == iteration["id"]


def test_subscriptions_select_by_action_and_resource(admin, hooks, name):
    registry = admin.get(admin.v2 + "/registry").json()["registry"]
    only_revoke, other_resource, no_key = Receiver(KEY), Receiver(KEY), Receiver()
    try:
        create(
            admin,
            hooks,
            only_revoke,
            subscriptions=[
                {"resource_id": registry["id"], "events": [{"source": HCP, "action": "revoke"}]}
            ],
        )
        create(
            admin,
            hooks,
            other_resource,
            subscriptions=[
                {"resource_id": "01ELSEWHERE", "events": [{"source": HCP, "action": "*"}]}
            ],
        )
        create(admin, hooks, no_key, key="")
        iteration = push(admin, name, "fp-1")
        admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={"revoke_in": "0s"})
        [event] = only_revoke.wait_for(lambda got: len(got) == 1)
        assert event.payload["event_action"] == "revoke"
        unsigned = no_key.wait_for(lambda got: "revoke" in [i.payload["event_action"] for i in got])
        assert all("X-HCP-Webhook-Signature" not in item.headers for item in unsigned)
        assert other_resource.events() == []
        error(
            admin.post(
                _base(admin) + "/webhooks",
                json={
                    "name": "bad-sub",
                    "config": {"url": only_revoke.url},
                    "subscriptions": [{"events": [{"source": HCP, "action": "explode"}]}],
                },
            ),
            400,
            3,
        )
    finally:
        for found in (only_revoke, other_resource, no_key):
            found.close()


def test_bad_names_are_refused(admin, hooks, receiver):
    for bad in ("", "-leading", "has space", "slash/in", "x" * 65, "nul\u0000"):
        answer = admin.post(
            _base(admin) + "/webhooks", json={"name": bad, "config": {"url": receiver.url}}
        )
        error(answer, 400, 3)
    assert receiver.received == []  # nothing was created, so nothing verified
    webhook = create(admin, hooks, receiver)
    renamed = admin.patch(f"/2023-05-31/{webhook['resource_name']}/name", json={"name": "a b"})
    error(renamed, 400, 3)


def test_destinations_are_checked(admin, hooks):
    for url in (
        "http://127.0.0.2:9/hook",  # loopback, but not in the allowed networks
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook",
        "http://[::1]:9/hook",
        "ftp://example.com/hook",
        "http://user:pw@127.0.0.1/hook",
    ):
        answer = admin.post(
            _base(admin) + "/webhooks", json={"name": "refused", "config": {"url": url}}
        )
        error(answer, 400, 3)
    assert admin.get(_path(admin, "refused")).status_code == 404


def test_update_rename_test_and_delete(admin, hooks, receiver):
    webhook = create(admin, hooks, receiver)
    path = f"/2023-05-31/{webhook['resource_name']}"
    described = admin.patch(
        path,
        json={
            "update_mask": "description",
            "webhook": {"description": "new words", "enabled": False},
        },
    )
    assert validated("webhook", described.json())["webhook"]["description"] == "new words"
    assert described.json()["webhook"]["enabled"] is True  # not in the mask
    other = Receiver("other-key")
    try:
        moved = admin.patch(
            path,
            json={
                "update_mask": "config",
                "webhook": {"config": {"url": other.url, "hmac_key": "other-key"}},
            },
        )
        assert moved.json()["webhook"]["config"] == {"url": other.url}
        assert moved.json()["webhook"]["enabled"] is True
        [test] = other.received
        assert test.payload["event_action"] == "test" and test.signed is True
    finally:
        other.close()
    disabled = admin.patch(path, json={"update_mask": "enabled", "webhook": {}})
    assert disabled.json()["webhook"]["enabled"] is False
    error(admin.patch(path, json={"update_mask": "name", "webhook": {}}), 400, 3)
    renamed = admin.patch(path + "/name", json={"name": hooks[0] + "-renamed"})
    assert validated("webhook", renamed.json())["webhook"]["resource_name"].endswith("-renamed")
    hooks.append(hooks[0] + "-renamed")
    assert admin.get(path).status_code == 404
    new_path = f"/2023-05-31/{renamed.json()['webhook']['resource_name']}"
    before = len(receiver.received)
    assert validated("empty", admin.post(new_path + "/test", json={}).json()) == {}
    assert len(receiver.received) == before  # the URL moved to the other receiver
    assert validated("empty", admin.delete(new_path).json()) == {}
    error(admin.get(new_path), 404, 5)


def test_a_receiver_down_gets_a_later_attempt_and_redelivery(admin, hooks, receiver, name):
    webhook = create(
        admin, hooks, receiver, subscriptions=[{"events": [{"source": HCP, "action": "revoke"}]}]
    )
    iteration = push(admin, name, "fp-1")
    receiver.status = 503
    admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={"revoke_in": "0s"})
    receiver.wait_for(lambda got: len(got) >= 2)  # two failed attempts
    receiver.status = 200
    found = receiver.wait_for(lambda got: len(got) >= 3)
    assert len({item.payload["event_id"] for item in found}) == 1
    time.sleep(0.5)
    [delivered] = [
        d for d in deliveries(admin, webhook) if d["request"]["payload"]["event_action"] == "revoke"
    ]
    assert delivered["state"] == "DELIVERED"
    assert delivered["retries"] == 2
    assert delivered["response"]["status_code"] == 200
    assert delivered["response"]["body"] == '{"ok":true}'
    assert delivered["request"]["headers"]["X-HCP-Webhook-Signature"]
    again = admin.post(
        f"/2023-05-31/{webhook['resource_name']}/deliveries/{delivered['id']}/redeliver", json={}
    )
    assert again.status_code == 200, again.text
    repeated = receiver.wait_for(lambda got: len(got) >= 4)
    assert repeated[-1].payload["event_id"] == found[0].payload["event_id"]


def test_a_receiver_that_never_answers_2xx_fails_after_the_last_attempt(
    admin, hooks, receiver, name
):
    webhook = create(
        admin, hooks, receiver, subscriptions=[{"events": [{"source": HCP, "action": "create"}]}]
    )
    receiver.status = 500
    push(admin, name, "fp-1", components=("null.a",))
    receiver.wait_for(lambda got: len(got) >= 4)
    time.sleep(1)
    assert len(receiver.events()) == 4  # PACKYARD_WEBHOOK_MAX_ATTEMPTS
    [failed] = [
        d for d in deliveries(admin, webhook) if d["request"]["payload"]["event_action"] == "create"
    ]
    assert failed["state"] == "FAILED"
    assert failed["retries"] == 3


def test_a_slow_receiver_never_delays_a_request(admin, hooks, receiver, name):
    create(admin, hooks, receiver)
    iteration = push(admin, name, "fp-1", components=("null.a",))
    receiver.delay = 2.5
    started = time.monotonic()
    answer = admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={"revoke_in": "0s"})
    assert answer.status_code == 200
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    assert admin.get(admin.v1 + f"/images/{name}").status_code == 200
    assert time.monotonic() - started < 1.0
    receiver.wait_for(lambda got: "revoke" in [i.payload["event_action"] for i in got])
    receiver.delay = 0


def test_a_slow_receiver_does_not_hold_another_webhooks_deliveries(admin, hooks, receiver, name):
    slow = Receiver(KEY)
    try:
        create(
            admin, hooks, slow, subscriptions=[{"events": [{"source": HCP, "action": "revoke"}]}]
        )
        create(
            admin,
            hooks,
            receiver,
            subscriptions=[{"events": [{"source": HCP, "action": "restore"}]}],
        )
        iteration = push(admin, name, "fp-1", components=("null.a",))
        path = admin.v1 + f"/iterations/{iteration['id']}"
        slow.delay = 2.5
        admin.patch(path, json={"revoke_in": "0s"})
        deadline = time.monotonic() + 10
        while slow.arrivals < 2 and time.monotonic() < deadline:  # its test, then the revoke
            time.sleep(0.02)
        started = time.monotonic()
        admin.patch(path, json={"restore": True})
        receiver.wait_for(lambda got: _count(got, "restore") == 1)
        assert time.monotonic() - started < 1.5  # not after the slow receiver's answer
        assert _count(slow.events(), "revoke") == 0  # still waiting for it
        slow.wait_for(lambda got: _count(got, "revoke") == 1)
    finally:
        slow.delay = 0
        slow.close()


def test_a_child_turns_out_of_date_when_its_parent_channel_moves(admin, hooks, receiver, name):
    base, app = f"{name}-base", f"{name}-app"
    parent = push(admin, base, "base-1")
    channel = admin.post(
        admin.v1 + f"/images/{base}/channels", json={"slug": "stable", "iteration_id": parent["id"]}
    ).json()["channel"]
    child = push(admin, app, "app-1", parent=(parent["id"], channel["id"]))
    create(
        admin,
        hooks,
        receiver,
        subscriptions=[
            {"events": [{"source": "hashicorp.packyard.version", "action": "out-of-date"}]}
        ],
    )
    newer = push(admin, base, "base-2")
    assert not receiver.events()  # latest moved, but the child was built from "stable"
    admin.patch(admin.v1 + f"/images/{base}/channels/stable", json={"iteration_id": newer["id"]})
    [event] = receiver.wait_for(lambda got: len(got) == 1)
    assert event.payload["event_action"] == "out-of-date"
    payload = event.payload["event_payload"]
    assert payload["version"]["id"] == child["id"]
    assert payload["bucket"]["name"] == app
    assert payload["parent"]["channel"]["name"] == "stable"
    assert payload["parent"]["version_id"] == parent["id"]
    assert payload["parent"]["new_version_id"] == newer["id"]


def test_a_webhook_belongs_to_one_project(admin, live_server, hooks, receiver):
    webhook = create(admin, hooks, receiver)
    other = new_tenant(live_server)
    stranger = other.client("admin")
    path = f"/2023-05-31/{webhook['resource_name']}"
    error(stranger.get(path), 404, 5)
    error(stranger.delete(path), 404, 5)
    listed = stranger.get(_base(admin) + "/webhooks")
    assert listed.status_code == 404
    own = f"/2023-05-31/webhook/project/{other.project_id}/webhooks"
    assert validated("webhooks", stranger.get(own).json())["webhooks"] == []
    viewer = live_server.api("viewer")
    error(
        viewer.post(
            _base(admin) + "/webhooks", json={"name": "v", "config": {"url": receiver.url}}
        ),
        403,
        7,
    )
    assert viewer.get(path).status_code == 200
