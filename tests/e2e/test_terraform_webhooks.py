"""Terraform's hcp_notifications_webhook against Packyard, with provider v0.111.0 and v0.114.0.

The webhook is applied (Packyard verifies it with a signed `test` payload before it is
enabled), planned with no changes, changed in place, removed from the state and imported by
its resource name, and destroyed. Behaviour quoted from the provider's source
(internal/provider/webhook/resource_notifications_webhook.go): Create posts to
webhook/project/{project}/webhooks and keeps the answer's `enabled`; Read gets the resource
name and splits it for the project and the name; Update patches with an update_mask in the
body; import passes the resource name through; the key is write-only, so after an import
the plan sets it again (as against HCP).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.clients import (
    HCP_PROVIDER_NEWEST_VERSION,
    HCP_PROVIDER_VERSION,
    hcp_provider,
    hcp_provider_release,
    terraform,
)
from tests.support.server import LiveServer, running_server
from tests.support.terraform import WorkspaceFor, workspaces
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.e2e
KEY = "terraform-webhook-key"
ADDRESS = "hcp_notifications_webhook.chat"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PACKYARD_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
        with running_server(tmp_path_factory.mktemp("tf-webhooks")) as live:
            yield live


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(KEY)
    yield found
    found.close()


@pytest.fixture(params=[HCP_PROVIDER_VERSION, HCP_PROVIDER_NEWEST_VERSION], ids=lambda v: v)
def workspace_for(
    request: pytest.FixtureRequest, server: LiveServer, tmp_path: Path
) -> Iterator[WorkspaceFor]:
    if request.param == HCP_PROVIDER_VERSION:
        provider_dir = hcp_provider().parent
    else:
        provider_dir = hcp_provider_release(request.param).parent
    with workspaces(server, terraform(), provider_dir, tmp_path) as make:
        yield make


def _config(url: str, description: str, actions: str) -> str:
    return f"""
        resource "hcp_notifications_webhook" "chat" {{
          name        = "chat-{abs(hash(url)) % 10**6}"
          description = "{description}"
          config = {{
            url      = "{url}"
            hmac_key = "{KEY}"
          }}
          subscriptions = [{{
            events = [{{
              source  = "hashicorp.packer.version"
              actions = [{actions}]
            }}]
          }}]
        }}
        output "resource_name" {{ value = hcp_notifications_webhook.chat.resource_name }}
        output "enabled" {{ value = hcp_notifications_webhook.chat.enabled }}
        """


def test_webhook_is_applied_planned_imported_and_destroyed(
    server: LiveServer, workspace_for: WorkspaceFor, receiver: Receiver
) -> None:
    admin = server.api("admin")
    ws = workspace_for(server.principal("admin"))
    ws.write(_config(receiver.url, "revocations to chat", '"revoke", "restore"'))
    ws.apply()
    out = ws.outputs()
    name = out["resource_name"]
    assert name.startswith(f"webhook/project/{server.project_id}/geo/us/webhook/chat-")
    assert out["enabled"] is True
    [test] = receiver.received
    assert test.payload["event_action"] == "test" and test.signed is True
    held = admin.get(f"/2023-05-31/{name}", check=False).json()["webhook"]
    assert held["description"] == "revocations to chat"
    assert held["subscriptions"][0]["events"] == [
        {"source": "hashicorp.packer.version", "action": "revoke"},
        {"source": "hashicorp.packer.version", "action": "restore"},
    ]
    assert KEY not in str(held)
    ws.assert_no_changes()

    ws.write(_config(receiver.url, "every version event", '"*"'))
    ws.apply()
    held = admin.get(f"/2023-05-31/{name}", check=False).json()["webhook"]
    assert held["description"] == "every version event"
    assert held["subscriptions"][0]["events"] == [
        {"source": "hashicorp.packer.version", "action": "*"}
    ]
    ws.assert_no_changes()

    ws.ok("state", "rm", ADDRESS)
    ws.import_(ADDRESS, name)
    imported = ws.resources()[ADDRESS]
    assert imported["resource_name"] == name
    assert imported["project_id"] == server.project_id
    assert imported["enabled"] is True
    plan = ws.plan()  # the key is write-only: the plan sets it again, and nothing else
    assert "1 to change" in plan.output, plan.output
    ws.apply()
    # the same key again: nothing changed, so nothing is verified again
    assert [r.payload["event_action"] for r in receiver.received] == ["test"]
    assert admin.get(f"/2023-05-31/{name}", check=False).json()["webhook"]["enabled"] is True
    ws.assert_no_changes()

    ws.destroy()
    assert admin.get(f"/2023-05-31/{name}", check=False).status_code == 404
