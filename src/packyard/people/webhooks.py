"""`packyard webhook ...`: a project's webhooks over HCP's webhook service 2023-05-31.

Creating or enabling a webhook, or `test`, sends the verification payload (`event_action:
test`) and waits for the receiver's answer; a webhook is enabled only if it answered 2xx.
The key is write-only: it is read from a file (or stdin), never from the command line, and
no answer shows it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from packyard.people.client import Client, Json, segment
from packyard.people.deliveries import (
    DeliveryId,
    delivery_text,
    find_delivery,
    new_delivery,
    print_deliveries,
    print_delivery,
)
from packyard.people.errors import Refused, Usage
from packyard.people.output import (
    AsJson,
    ProfileName,
    Yes,
    command,
    confirm,
    connect,
    emit_json,
    fields,
    short_time,
    table,
)

HCP_SOURCE = "hashicorp.packer.version"

webhook_app = typer.Typer(
    help="Webhooks: list, create, show, test, enable, disable, deliveries, redeliver, delete.",
    no_args_is_help=True,
)
Name = Annotated[str, typer.Argument(help="The webhook's name.", show_default=False)]
Events = Annotated[
    list[str] | None,
    typer.Option(
        "--event",
        help="SOURCE:ACTION, or ACTION of hashicorp.packer.version; * for all of either "
        "(repeat for more; default: every event of the project).",
    ),
]


def webhook_path(client: Client, name: str) -> str:
    return f"{client.webhooks()}/geo/us/webhook/{segment(name)}"


def events_of(items: list[str]) -> list[Json]:
    """--event values as the API's events: "revoke", "hashicorp.packer.version:*", "*:*"."""
    found = []
    for item in items:
        source, sep, action = item.strip().rpartition(":")
        if not sep:
            source = HCP_SOURCE
        if not source.strip() or not action.strip():
            raise Usage(f'event "{item}" is not SOURCE:ACTION or ACTION')
        found.append({"source": source.strip(), "action": action.strip()})
    return found


def read_key(path: str) -> str:
    """The key from a file, or stdin for "-" (its first line, without the line's end)."""
    try:
        content = sys.stdin.read() if path == "-" else Path(path).expanduser().read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise Usage(f"cannot read the key from {path}: {exc}") from None
    key = content.splitlines()[0].strip() if content.strip() else ""
    if not key:
        raise Usage(f"{path} holds no key")
    return key


def _name(webhook: Json) -> str:
    return str(webhook.get("resource_name", "")).rsplit("/", 1)[-1]


def _state(webhook: Json) -> str:
    return "enabled" if webhook.get("enabled") else "disabled"


def _events_text(webhook: Json) -> str:
    subscriptions = webhook.get("subscriptions") or []
    if not subscriptions:
        return "every event"
    parts = []
    for subscription in subscriptions:
        events = ", ".join(
            f"{event.get('source')}:{event.get('action')}"
            for event in subscription.get("events") or []
        )
        resource = subscription.get("resource_id")
        parts.append(f"{events} of {resource}" if resource else events)
    return "; ".join(parts)


def _print_webhook(webhook: Json) -> None:
    last = webhook.get("last_delivery")
    fields(
        [
            ("name", _name(webhook)),
            ("resource name", webhook.get("resource_name")),
            ("id", webhook.get("resource_id")),
            ("url", (webhook.get("config") or {}).get("url")),
            ("state", _state(webhook)),
            ("description", webhook.get("description")),
            ("events", _events_text(webhook)),
            ("last delivery", delivery_text(last) if last else "none yet"),
            ("created", short_time(webhook.get("created_at"))),
            ("updated", short_time(webhook.get("updated_at"))),
        ]
    )


def _not_verified(client: Client, name: str, done: str) -> Refused:
    """Why a webhook that was to be enabled is not: its verification's outcome."""
    last = client.get(webhook_path(client, name))["webhook"].get("last_delivery")
    why = delivery_text(last) if last else "no answer"
    return Refused(
        f'{done}webhook "{name}" is disabled: the verification got {why}; fix the receiver '
        f"and run `packyard webhook enable {name}`"
    )


@webhook_app.command("ls")
@command
def webhook_ls(profile: ProfileName = None, as_json: AsJson = False) -> None:
    """List the project's webhooks: state, URL, events and the last delivery."""
    client = connect(profile)
    found = client.get(client.webhooks() + "/webhooks").get("webhooks") or []
    if as_json:
        emit_json({"webhooks": found})
        return
    table(
        ("name", "state", "url", "events", "last delivery"),
        (
            (
                _name(item),
                _state(item),
                (item.get("config") or {}).get("url"),
                _events_text(item),
                delivery_text(item["last_delivery"]) if item.get("last_delivery") else "-",
            )
            for item in found
        ),
    )


@webhook_app.command("create")
@command
def webhook_create(
    name: Name,
    url: Annotated[str, typer.Option(help="Where deliveries are POSTed (http or https).")],
    key_file: Annotated[
        str | None,
        typer.Option(help="A file holding the signing key (- for stdin); no key, no signature."),
    ] = None,
    event: Events = None,
    resource: Annotated[
        str, typer.Option(help="Only events of this registry or bucket id (with --event).")
    ] = "",
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
    enabled: Annotated[
        bool, typer.Option("--enabled/--disabled", help="Verify and enable it now, or not yet.")
    ] = True,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Create a webhook; it is verified (a test payload) and enabled if the receiver answers 2xx."""
    if not url.strip():
        raise Usage("--url may not be empty")
    if resource and not event:
        raise Usage("--resource selects events: give --event too")
    body: dict[str, Any] = {
        "name": name,
        "config": {"url": url.strip()},
        "description": description,
        "enabled": enabled,
    }
    if key_file is not None:
        body["config"]["hmac_key"] = read_key(key_file)
    if event:
        body["subscriptions"] = [{"resource_id": resource, "events": events_of(event)}]
    client = connect(profile)
    found = client.request("POST", client.webhooks() + "/webhooks", json=body)["webhook"]
    if as_json:
        emit_json(found)
    else:
        typer.echo(f'created webhook "{name}" ({_state(found)}) for {url.strip()}')
    if enabled and not found.get("enabled"):
        raise _not_verified(client, name, "it was created, but ")


@webhook_app.command("show")
@command
def webhook_show(name: Name, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """Show a webhook: URL, state, events and its last delivery (never its key)."""
    client = connect(profile)
    found = client.get(webhook_path(client, name))["webhook"]
    if as_json:
        emit_json(found)
        return
    _print_webhook(found)


@webhook_app.command("test")
@command
def webhook_test(name: Name, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """Send the test payload now and show the receiver's answer (exit 1 unless 2xx)."""
    client = connect(profile)
    path = webhook_path(client, name)
    before = client.get(path + "/deliveries").get("deliveries") or []
    client.request("POST", path + "/test", json={})
    after = client.get(path + "/deliveries").get("deliveries") or []
    sent = new_delivery(before, after, action="test")
    if as_json:
        emit_json(sent)
    else:
        print_delivery(sent, full=False)
    if sent.get("state") != "DELIVERED":
        raise Refused(f'webhook "{name}": the test payload got {delivery_text(sent)}')


def _switch(client: Client, name: str, enabled: bool) -> Json:
    found: Json = client.request(
        "PATCH",
        webhook_path(client, name),
        json={"update_mask": "enabled", "webhook": {"enabled": enabled}},
    )["webhook"]
    return found


@webhook_app.command("enable")
@command
def webhook_enable(name: Name, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """Verify a webhook (a test payload) and enable it if the receiver answers 2xx."""
    client = connect(profile)
    found = _switch(client, name, True)
    if not found.get("enabled"):
        raise _not_verified(client, name, "")
    if as_json:
        emit_json(found)
        return
    typer.echo(f'webhook "{name}" is enabled')


@webhook_app.command("disable")
@command
def webhook_disable(name: Name, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """Disable a webhook: no event is delivered to it until it is enabled again."""
    client = connect(profile)
    found = _switch(client, name, False)
    if as_json:
        emit_json(found)
        return
    typer.echo(f'webhook "{name}" is disabled')


@webhook_app.command("deliveries")
@command
def webhook_deliveries(
    name: Name,
    delivery: Annotated[
        str | None,
        typer.Argument(help="One delivery's id: its request and response in full."),
    ] = None,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """The delivery log, newest first (the newest 100), or one delivery in full."""
    client = connect(profile)
    found = client.get(webhook_path(client, name) + "/deliveries").get("deliveries") or []
    if delivery is not None:
        one = find_delivery(found, name, delivery)
        if as_json:
            emit_json(one)
        else:
            print_delivery(one, full=True)
        return
    if as_json:
        emit_json({"deliveries": found})
        return
    print_deliveries(found)


@webhook_app.command("redeliver")
@command
def webhook_redeliver(
    name: Name, delivery: DeliveryId, profile: ProfileName = None, as_json: AsJson = False
) -> None:
    """Send a delivery's payload again, as a new delivery due now."""
    client = connect(profile)
    path = f"{webhook_path(client, name)}/deliveries/{segment(delivery)}/redeliver"
    found = client.request("POST", path, json={})["delivery"]
    if as_json:
        emit_json(found)
        return
    typer.echo(f'delivery {delivery} of "{name}" is sent again as {found.get("id")}')


@webhook_app.command("delete")
@command
def webhook_delete(
    name: Name, yes: Yes = False, profile: ProfileName = None, as_json: AsJson = False
) -> None:
    """Delete a webhook and its delivery log."""
    client = connect(profile)
    path = webhook_path(client, name)
    client.get(path)
    confirm(f'Delete webhook "{name}" and its delivery log?', yes=yes)
    client.request("DELETE", path)
    if as_json:
        emit_json({"deleted": name})
        return
    typer.echo(f'deleted webhook "{name}"')
