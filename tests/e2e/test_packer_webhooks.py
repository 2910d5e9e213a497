"""A real Packer 1.16 build, and a revocation through the API, produce signed webhook
deliveries with HCP's payloads; the receiver checks each signature as HCP's documentation
shows (the hex HMAC-SHA512 of the raw body with the webhook's key)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_packer_19 import now_rfc3339
from tests.e2e.test_packer_current import (  # noqa: F401 - a fixture used by name
    E2E23,
    build_two_sources,
    packer_bin,
    unique_bucket,
)
from tests.support.server import LiveServer, running_server
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.e2e
KEY = "packer-webhook-key"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PACKYARD_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
        with running_server(tmp_path_factory.mktemp("packer-webhooks")) as server:
            yield server


@pytest.fixture
def e2e(live_server: LiveServer, packer_bin: Path, tmp_path: Path) -> Iterator[E2E23]:  # noqa: F811
    env = live_server.client_env("contributor")
    yield E2E23(live_server, packer_bin, tmp_path, env, live_server.api("admin"))
    shutil.rmtree(env["HOME"], ignore_errors=True)


def _actions(found: list[Any]) -> list[str]:
    return [item.payload["event_action"] for item in found]


def test_a_packer_build_and_a_revocation_are_delivered_signed(e2e: E2E23) -> None:
    receiver = Receiver(KEY)
    try:
        project = e2e.api.server.project_id
        created = e2e.api.http.post(
            f"/2023-05-31/webhook/project/{project}/webhooks",
            json={"name": "packer-e2e", "config": {"url": receiver.url, "hmac_key": KEY}},
        )
        assert created.status_code == 200, created.text
        assert created.json()["webhook"]["enabled"] is True
        bucket, fingerprint = unique_bucket("webhook"), "fp-webhook-1"
        build_two_sources(e2e, bucket, fingerprint)
        wanted = {"create", "complete", "assign"}
        found = receiver.wait_for(lambda got: wanted <= set(_actions(got)))
        assert all(item.signed is True for item in receiver.received), _actions(found)
        complete = next(i.payload for i in found if i.payload["event_action"] == "complete")
        assert complete["event_source"] == "hashicorp.packer.version"
        event = complete["event_payload"]
        assert event["bucket"]["name"] == bucket
        assert event["version"]["fingerprint"] == fingerprint
        assert event["version"]["status"] == "ACTIVE"
        assert event["version"]["revoke_at"] == ""
        platforms = {build["platform"]: build for build in event["builds"]}
        assert set(platforms) == {"null", "packer.file"}
        assert platforms["null"]["artifacts"][0]["external_identifier"] == "Null"
        assert platforms["null"]["packer_run_uuid"]

        revoked = e2e.api.http.patch(
            e2e.v2 + f"/buckets/{bucket}/versions/{fingerprint}",
            json={"revoke_at": now_rfc3339(), "revocation_message": "e2e: CVE"},
        )
        assert revoked.status_code == 200, revoked.text
        found = receiver.wait_for(lambda got: "revoke" in _actions(got))
        revoke = next(i for i in found if i.payload["event_action"] == "revoke")
        assert revoke.signed is True
        version = revoke.payload["event_payload"]["version"]
        assert version["status"] == "REVOKED"
        assert version["revocation_message"] == "e2e: CVE"
        assert revoke.payload["event_payload"]["actor"]["principal_id"]
    finally:
        receiver.close()
