"""`packyard webhook ...` against a live server, in text and JSON, with a loopback receiver.

The module runs its own server, whose settings allow the receiver's address (127.0.0.1) as
an operator allows a network (PACKYARD_WEBHOOK_ALLOWED_NETWORKS); the receiver checks each
signature as HCP's documentation shows.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, field, home_env, push
from tests.support.server import ApiClient, LiveServer, running_server
from tests.support.webhooks import Receiver

ENV = {
    "PACKYARD_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "PACKYARD_WEBHOOK_RETRY_BASE": "0.2",
    "PACKYARD_WEBHOOK_TIMEOUT": "3",
}
KEY = "cli-webhook-key"
_names = itertools.count()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENV.items():
            patch.setenv(key, value)
        with running_server(tmp_path_factory.mktemp("cli-webhooks")) as server:
            yield server


@pytest.fixture(scope="module")
def cli(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    env = live_server.client_env("admin")
    return Cli(home_env(live_server, env, tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="module")
def viewer_cli(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    env = live_server.client_env("viewer")
    return Cli(home_env(live_server, env, tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="module")
def api(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(KEY)
    yield found
    found.close()


@pytest.fixture
def key_file(tmp_path: Path) -> str:
    path = tmp_path / "key"
    path.write_text(KEY + "\n")
    return str(path)


@pytest.fixture
def hook(api: ApiClient) -> Iterator[str]:
    """A webhook name unique in the module; whatever has it is deleted after the test."""
    name = f"hook-{next(_names)}"
    yield name
    for suffix in ("", "-2"):
        api.delete(f"{_base(api)}/geo/us/webhook/{name}{suffix}", check=False)


def _base(api: ApiClient) -> str:
    return f"/2023-05-31/webhook/project/{api.server.project_id}"


def _get(api: ApiClient, name: str) -> dict[str, Any]:
    found: dict[str, Any] = api.get(f"{_base(api)}/geo/us/webhook/{name}").json()["webhook"]
    return found


def _deliveries(api: ApiClient, name: str) -> list[dict[str, Any]]:
    path = f"{_base(api)}/geo/us/webhook/{name}/deliveries"
    found: list[dict[str, Any]] = api.get(path).json()["deliveries"]
    return found


def test_create_ls_and_show(cli, api, receiver, hook, key_file):
    created = cli.ok(
        "webhook", "create", hook, "--url", receiver.url, "--key-file", key_file,
        "--event", "revoke", "--event", "hashicorp.packyard.version:*", "--description", "chat",
    )  # fmt: skip
    assert created == f'created webhook "{hook}" (enabled) for {receiver.url}\n'
    [test] = receiver.received
    assert (test.payload["event_action"], test.signed) == ("test", True)
    args = ["create", f"{hook}-2", "--url", receiver.url, "--disabled", "--key-file", "-"]
    second = json.loads(cli.ok("webhook", *args, "--json", input=KEY))
    assert (second["enabled"], second["config"], second["subscriptions"]) == (
        False,
        {"url": receiver.url},
        [],
    )
    assert len(receiver.received) == 1  # a webhook created disabled is not verified
    listed = {
        item["resource_name"].rsplit("/", 1)[1]: item
        for item in cli.json("webhook", "ls")["webhooks"]
    }
    assert listed[hook]["enabled"] is True
    assert listed[hook]["last_delivery"]["response"]["status_code"] == 200
    assert listed[hook]["subscriptions"] == [
        {
            "resource_id": "",
            "events": [
                {"source": "hashicorp.packer.version", "action": "revoke"},
                {"source": "hashicorp.packyard.version", "action": "*"},
            ],
        }
    ]
    table = cli.ok("webhook", "ls")
    rows = {line.split()[1]: line for line in table.splitlines() if "hook-" in line}
    assert "enabled" in rows[hook] and "DELIVERED, HTTP 200" in rows[hook]
    assert "hashicorp.packer.version:revoke" in rows[hook]
    assert "disabled" in rows[f"{hook}-2"] and "every event" in rows[f"{hook}-2"]
    shown = cli.ok("webhook", "show", hook)
    assert field(shown, "state") == "enabled" and field(shown, "url") == receiver.url
    assert field(shown, "description") == "chat"
    assert field(shown, "last delivery").startswith("DELIVERED, HTTP 200, ")
    assert field(shown, "resource name") == (
        f"webhook/project/{api.server.project_id}/geo/us/webhook/{hook}"
    )
    assert cli.json("webhook", "show", hook) == _get(api, hook)
    assert field(cli.ok("webhook", "show", f"{hook}-2"), "last delivery") == "none yet"
    for args in (["ls"], ["show", hook], ["show", f"{hook}-2"]):
        assert KEY not in cli.ok("webhook", *args) + cli.ok("webhook", *args, "--json")


def test_test_enable_and_disable(cli, api, receiver, hook, key_file):
    cli.ok("webhook", "create", hook, "--url", receiver.url, "--key-file", key_file)
    tested = cli.ok("webhook", "test", hook)
    assert field(tested, "state") == "DELIVERED" and field(tested, "status") == "200"
    sent = cli.json("webhook", "test", hook)
    assert sent["request"]["payload"]["event_action"] == "test"
    assert sent["id"] == _deliveries(api, hook)[0]["id"]
    assert [item.payload["event_action"] for item in receiver.received] == ["test"] * 3
    assert all(item.signed for item in receiver.received)
    assert cli.ok("webhook", "disable", hook) == f'webhook "{hook}" is disabled\n'
    assert _get(api, hook)["enabled"] is False
    assert cli.ok("webhook", "enable", hook) == f'webhook "{hook}" is enabled\n'
    assert len(receiver.received) == 4  # enabling verifies
    assert cli.json("webhook", "disable", hook)["enabled"] is False
    assert cli.json("webhook", "enable", hook)["enabled"] is True
    receiver.status = 500
    failed = cli.fails(1, "webhook", "test", hook)
    assert "the test payload got FAILED, HTTP 500" in failed
    assert _get(api, hook)["enabled"] is True  # a test changes nothing
    cli.ok("webhook", "disable", hook)
    refused = cli.fails(1, "webhook", "enable", hook)
    assert f'webhook "{hook}" is disabled: the verification got FAILED, HTTP 500' in refused
    assert _get(api, hook)["enabled"] is False
    receiver.status = 200
    cli.ok("webhook", "enable", hook)
    assert _get(api, hook)["enabled"] is True


def test_a_receiver_that_fails_verification_leaves_the_new_webhook_disabled(
    cli, api, receiver, hook
):
    receiver.status = 503
    result = cli("webhook", "create", hook, "--url", receiver.url, "--json")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "it was created, but" in result.stderr and "HTTP 503" in result.stderr
    assert f"packyard webhook enable {hook}" in result.stderr
    assert _get(api, hook)["enabled"] is False
    assert "X-HCP-Webhook-Signature" not in receiver.received[0].headers  # no key


def test_deliveries_and_redeliver(cli, api, receiver, hook, key_file, name):
    cli.ok("webhook", "create", hook, "--url", receiver.url, "--key-file", key_file)
    push(api, name, "fp-1", platforms=("aws",))
    receiver.wait_for(lambda got: any(item.payload["event_action"] == "complete" for item in got))
    _settled(api, hook)
    found = cli.json("webhook", "deliveries", hook)["deliveries"]
    assert found == _deliveries(api, hook)
    actions = [item["request"]["payload"]["event_action"] for item in found]
    assert actions[-1] == "test" and "create" in actions and "complete" in actions
    listed = cli.ok("webhook", "deliveries", hook)
    assert all(item["id"] in listed for item in found)
    assert "complete" in listed and "DELIVERED" in listed
    complete = next(
        item for item in found if item["request"]["payload"]["event_action"] == "complete"
    )
    one = cli.ok("webhook", "deliveries", hook, complete["id"])
    assert field(one, "event") == "hashicorp.packer.version:complete"
    assert field(one, "status") == "200" and field(one, "state") == "DELIVERED"
    assert f"request: POST {receiver.url}" in one
    signature = complete["request"]["headers"]["X-HCP-Webhook-Signature"]
    assert f"X-HCP-Webhook-Signature: {signature}" in one
    assert f'"event_id": "{complete["request"]["payload"]["event_id"]}"' in one
    assert "response: 200" in one and '{"ok":true}' in one
    assert cli.json("webhook", "deliveries", hook, complete["id"]) == complete
    redone = cli.ok("webhook", "redeliver", hook, complete["id"])
    assert redone.startswith(f'delivery {complete["id"]} of "{hook}" is sent again as ')
    again = cli.json("webhook", "redeliver", hook, complete["id"])
    assert again["request"]["payload"]["event_id"] == complete["request"]["payload"]["event_id"]
    event_id = complete["request"]["payload"]["event_id"]
    got = receiver.wait_for(
        lambda got: sum(item.payload["event_id"] == event_id for item in got) == 3
    )
    assert all(item.signed for item in got)


def _settled(api: ApiClient, name: str) -> None:
    """Wait until every delivery's outcome is written (just after the receiver answers)."""
    deadline = time.monotonic() + 20
    while any(item["state"] == "PENDING" for item in _deliveries(api, name)):
        assert time.monotonic() < deadline, _deliveries(api, name)
        time.sleep(0.1)


def test_delete(cli, api, receiver, hook):
    cli.ok("webhook", "create", hook, "--url", receiver.url)
    cli.ok("webhook", "create", f"{hook}-2", "--url", receiver.url, "--disabled")
    assert "nothing was changed" in cli.fails(1, "webhook", "delete", hook, input="n\n")
    assert _get(api, hook)["enabled"] is True
    assert cli.ok("webhook", "delete", hook, "--yes") == f'deleted webhook "{hook}"\n'
    assert cli.ok("webhook", "delete", f"{hook}-2", input="y\n").endswith(
        f'deleted webhook "{hook}-2"\n'
    )
    cli.ok("webhook", "create", hook, "--url", receiver.url, "--disabled")
    assert cli.json("webhook", "delete", hook, "--yes") == {"deleted": hook}
    left = [item["resource_name"] for item in api.get(_base(api) + "/webhooks").json()["webhooks"]]
    assert not [item for item in left if item.endswith((f"/{hook}", f"/{hook}-2"))]


def _written(api: ApiClient) -> Any:
    """The project's webhooks and their delivery logs, to prove a command wrote nothing."""
    found = api.get(_base(api) + "/webhooks").json()["webhooks"]
    return {
        item["resource_name"]: (item, _deliveries(api, item["resource_name"].rsplit("/", 1)[1]))
        for item in found
    }


def test_bad_input_writes_nothing(cli, viewer_cli, api, receiver, hook):
    cli.ok("webhook", "create", hook, "--url", receiver.url)
    delivery = _deliveries(api, hook)[0]["id"]
    before, sent = _written(api), len(receiver.received)
    new, url = f"{hook}-2", receiver.url
    cases: list[tuple[int, list[str], str | None]] = [
        (2, ["create", "bad name!", "--url", url], None),
        (2, ["create", new, "--url", " "], None),
        (2, ["create", new, "--url", "ftp://127.0.0.1/hook"], None),
        (2, ["create", new, "--url", "http://10.0.0.1/hook"], None),  # private: refused
        (2, ["create", new, "--url", url, "--event", ":revoke"], None),
        (2, ["create", new, "--url", url, "--event", "no-such-action"], None),
        (2, ["create", new, "--url", url, "--resource", "r-1"], None),
        (2, ["create", new, "--url", url, "--key-file", "/no/such/file"], None),
        (2, ["create", new, "--url", url, "--key-file", "-"], "\n"),
        (2, ["create"], None),
        (3, ["show", new], None),
        (3, ["test", new], None),
        (3, ["enable", new], None),
        (3, ["disable", new], None),
        (3, ["deliveries", new], None),
        (3, ["deliveries", hook, "no-such-delivery"], None),
        (3, ["redeliver", hook, "no-such-delivery"], None),
        (3, ["redeliver", new, delivery], None),
        (3, ["delete", new, "--yes"], None),
        (4, ["create", hook, "--url", url], None),
        (1, ["delete", hook], ""),
        (1, ["delete", hook], "no\n"),
    ]
    for code, args, answer in cases:
        message = cli.fails(code, "webhook", *args, input=answer)
        assert "error:" in message or "Usage:" in message, (args, message)
    for args in (
        ["create", new, "--url", url],
        ["test", hook],
        ["disable", hook],
        ["enable", hook],
        ["redeliver", hook, delivery],
        ["delete", hook, "--yes"],
    ):
        assert "may not" in viewer_cli.fails(1, "webhook", *args), args
    assert viewer_cli.json("webhook", "show", hook) == _get(api, hook)
    assert _written(api) == before
    assert len(receiver.received) == sent
