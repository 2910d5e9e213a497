"""A webhook's delivery log as people read it: one line per delivery, or one in full with
its request (URL, headers, payload) and the receiver's response (status, headers, body)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from packyard.people.client import Json
from packyard.people.errors import NotFound, Refused
from packyard.people.output import fields, short_time, table

DeliveryId = Annotated[str, typer.Argument(help="The delivery's id.", show_default=False)]


def _action(delivery: Json) -> str:
    payload = (delivery.get("request") or {}).get("payload") or {}
    return str(payload.get("event_action") or "-")


def _status(delivery: Json) -> str:
    code = (delivery.get("response") or {}).get("status_code")
    return str(code) if code else "-"


def delivery_text(delivery: Json) -> str:
    """ "DELIVERED, HTTP 200, 2024-05-01 12:00:00" (or the error, for no answer)."""
    state = str(delivery.get("state") or "-")
    code = _status(delivery)
    outcome = f"HTTP {code}" if code != "-" else (delivery.get("error") or "no answer yet")
    sent = (delivery.get("request") or {}).get("sent_at")
    when = short_time(sent) if sent else f"due {short_time(delivery.get('next_attempt_at'))}"
    return f"{state}, {outcome}, {when}"


def print_deliveries(found: list[Json]) -> None:
    table(
        ("id", "created", "event", "state", "attempts", "status", "next attempt / error"),
        (
            (
                item.get("id"),
                short_time(item.get("created_at")),
                _action(item),
                item.get("state"),
                item.get("attempts"),
                _status(item),
                short_time(item.get("next_attempt_at"))
                if item.get("state") == "PENDING"
                else item.get("error"),
            )
            for item in found
        ),
        title="deliveries" if not found else "",
    )


def _headers(found: Json | None) -> None:
    for key, value in sorted((found or {}).items()):
        typer.echo(f"  {key}: {value}")


def print_delivery(delivery: Json, *, full: bool) -> None:
    """One delivery: its outcome, and with `full` the request and response as sent."""
    request, response = delivery.get("request") or {}, delivery.get("response") or {}
    payload = request.get("payload") or {}
    fields(
        [
            ("delivery", delivery.get("id")),
            ("event", f"{payload.get('event_source', '-')}:{_action(delivery)}"),
            ("event id", payload.get("event_id")),
            ("state", delivery.get("state")),
            ("attempts", delivery.get("attempts")),
            ("status", _status(delivery)),
            ("error", delivery.get("error")),
            ("created", short_time(delivery.get("created_at"))),
            ("sent", short_time(request.get("sent_at"))),
            (
                "next attempt",
                short_time(delivery.get("next_attempt_at"))
                if delivery.get("state") == "PENDING"
                else "",
            ),
        ]
    )
    if not full:
        return
    typer.echo(f"request: POST {request.get('url', '-')}")
    _headers(request.get("headers"))
    typer.echo(json.dumps(payload, indent=2, sort_keys=True))
    typer.echo(f"response: {_status(delivery)}")
    _headers(response.get("headers"))
    typer.echo(response.get("body") or "(no body)")


def find_delivery(found: list[Json], webhook: str, delivery_id: str) -> Json:
    for item in found:
        if item.get("id") == delivery_id:
            return item
    raise NotFound(f'webhook "{webhook}" has no delivery "{delivery_id}" among its newest 100')


def new_delivery(before: list[Json], after: list[Json], *, action: str) -> Json:
    """The newest delivery of `action` in `after` that was not in `before`."""
    seen = {item.get("id") for item in before}
    for item in after:
        if item.get("id") not in seen and _action(item) == action:
            return item
    raise Refused(f"the server logged no {action} delivery")
