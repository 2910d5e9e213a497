"""HCP's webhook service 2023-05-31, as hcp-sdk-go's cloud-webhook client and Terraform's
hcp_notifications_webhook call it: create, get, list, update (update_mask), rename, delete,
list deliveries, test, and Packyard's redelivery.

Resource names are webhook/project/{project}/geo/us/webhook/{name}. The key (config.hmac_key)
is write-only: no answer shows it. Verification payloads go out after the request's
transaction has committed (AfterCommit), so no write lock waits on a receiver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from packyard.config import WebhookSettings
from packyard.domain.iam import Target
from packyard.domain.identity import Role
from packyard.domain.webhooks import Delivery, Subscription, SubscriptionEvent, Webhook, WebhookName
from packyard.errors import RegistryError
from packyard.ids import rfc3339
from packyard.services import webhooks as svc
from packyard.webhook_sender import WebhookSender
from packyard.wire.http import encode, error_response
from packyard.wire.routing import Call, Route

PROJECT = "/2023-05-31/webhook/project/{project_id}"
WEBHOOK = PROJECT + "/geo/us/webhook/{name}"

_senders: dict[WebhookSettings, WebhookSender] = {}


def sender_for(settings: WebhookSettings) -> WebhookSender:
    found = _senders.get(settings)
    if found is None:
        found = _senders[settings] = WebhookSender(settings)
    return found


class ConfigBody(msgspec.Struct):
    url: str | None = None
    hmac_key: str | None = None


class EventBody(msgspec.Struct):
    source: str = ""
    action: str = ""


class SubscriptionBody(msgspec.Struct):
    resource_id: str = ""
    events: list[EventBody] | None = None


class WebhookBody(msgspec.Struct):
    config: ConfigBody | None = None
    description: str | None = None
    enabled: bool | None = None
    subscriptions: list[SubscriptionBody] | None = None


class CreateBody(msgspec.Struct):
    name: str = ""
    config: ConfigBody | None = None
    description: str | None = None
    enabled: bool | None = None
    subscriptions: list[SubscriptionBody] | None = None


class UpdateBody(msgspec.Struct):
    update_mask: str = ""
    webhook: WebhookBody | None = None


class RenameBody(msgspec.Struct):
    name: str = ""


def _subscriptions(found: list[SubscriptionBody] | None) -> list[Subscription] | None:
    if found is None:
        return None
    return [
        Subscription(
            resource_id=item.resource_id,
            events=tuple(SubscriptionEvent(e.source, e.action) for e in item.events or []),
        )
        for item in found
    ]


def _changes(body: WebhookBody | CreateBody | None) -> svc.Changes:
    if body is None:
        return svc.Changes()
    config = body.config or ConfigBody()
    return svc.Changes(
        url=config.url,
        hmac_key=config.hmac_key,
        description=body.description,
        enabled=body.enabled,
        subscriptions=_subscriptions(body.subscriptions),
    )


def delivery_shape(found: Delivery, url: str) -> dict[str, object]:
    request: dict[str, object] = {
        "url": url,
        "headers": found.request_headers,
        "payload": found.payload,
    }
    if found.sent_at is not None:
        request["sent_at"] = rfc3339(found.sent_at)
    return {
        "id": found.id,
        "webhook_resource_id": found.webhook_id,
        "request": request,
        "response": {
            "status_code": found.response_status,
            "headers": found.response_headers,
            "body": found.response_body,
        },
        "retries": max(found.attempts - 1, 0),
        # Packyard's own, beside HCP's fields:
        "state": found.state,
        "attempts": found.attempts,
        "next_attempt_at": rfc3339(found.next_attempt_at),
        "error": found.error,
        "created_at": rfc3339(found.created_at),
    }


def shape(found: Webhook, last: Delivery | None = None) -> dict[str, object]:
    answer: dict[str, object] = {
        "resource_id": found.id,
        "resource_name": found.name.resource_name,
        "description": found.description,
        "enabled": found.enabled,
        "config": {"url": found.url},  # never the key
        "subscriptions": [
            {
                "resource_id": item.resource_id,
                "events": [{"source": e.source, "action": e.action} for e in item.events],
            }
            for item in found.subscriptions
        ],
        "created_at": rfc3339(found.created_at),
        "updated_at": rfc3339(found.updated_at),
    }
    if last is not None:
        answer["last_delivery"] = delivery_shape(last, found.url)
    return answer


class AfterCommit(Response):
    """An answer computed once the request's transaction has committed, in a worker thread
    (a verification sends to the receiver and waits for its answer)."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__(b"", 200, media_type="application/json")
        self.work = work

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            payload = await anyio.to_thread.run_sync(self.work)
            answer: Response = Response(encode(payload), 200, media_type="application/json")
        except RegistryError as exc:
            answer = error_response(exc.code, exc.message)
        await answer(scope, receive, send)


def _store(call: Call) -> Any:
    """The process's store, for work after the request's transaction."""
    return call.request.app.state.services.store


def _verified(call: Call, webhook: Webhook, check: svc.Verification | None) -> object:
    if check is None:
        return {"webhook": shape(webhook)}
    store, sender = _store(call), sender_for(call.settings.webhook)

    def work() -> object:
        verified = svc.verify(store, sender, check)
        return {"webhook": shape(verified or webhook)}

    return AfterCommit(work)


def _name(call: Call) -> WebhookName:
    return WebhookName(call.param("project_id"), call.param("name"))


def create(call: Call) -> object:
    body: CreateBody = call.body
    webhook, check = svc.create_webhook(
        call.repo,
        call.scope,
        sender_for(call.settings.webhook),
        project_id=call.param("project_id"),
        name=body.name,
        changes=_changes(body),
        now=call.now,
    )
    return _verified(call, webhook, check if check.enable else None)


def get(call: Call) -> object:
    webhook, last = svc.show_webhook(call.repo, _name(call))
    return {"webhook": shape(webhook, last)}


def list_all(call: Call) -> object:
    found = svc.webhooks_with_last(call.repo, call.scope, call.param("project_id"))
    return {"webhooks": [shape(hook, last) for hook, last in found], "pagination": {}}


def update(call: Call) -> object:
    body: UpdateBody = call.body
    mask = body.update_mask or call.request.query_params.get("update_mask", "")
    webhook, check = svc.update_webhook(
        call.repo,
        sender_for(call.settings.webhook),
        _name(call),
        changes=_changes(body.webhook),
        mask=mask,
        now=call.now,
    )
    return _verified(call, webhook, check)


def rename(call: Call) -> object:
    body: RenameBody = call.body
    webhook = svc.rename_webhook(call.repo, _name(call), new_name=body.name, now=call.now)
    return {"webhook": shape(webhook)}


def delete(call: Call) -> object:
    svc.delete_webhook(call.repo, _name(call))
    return {}


def deliveries(call: Call) -> object:
    webhook, found = svc.list_deliveries(call.repo, _name(call))
    return {"deliveries": [delivery_shape(item, webhook.url) for item in found], "pagination": {}}


def test(call: Call) -> object:
    webhook = svc.get_webhook(call.repo, _name(call))
    store, sender = _store(call), sender_for(call.settings.webhook)
    check = svc.Verification(webhook.id, enable=False)

    def work() -> object:
        svc.verify(store, sender, check)
        return {}

    return AfterCommit(work)


def redeliver(call: Call) -> object:
    webhook, found = svc.redeliver(call.repo, _name(call), call.param("delivery_id"), now=call.now)
    return {"delivery": delivery_shape(found, webhook.url)}


def _project(request: Request, params: dict[str, str], body: Any) -> Target:
    return Target(project_id=params["project_id"])


def _route(method: str, path: str, handler: Any, role: Role, operation: str, **kw: Any) -> Route:
    return Route(method, path, handler, role, operation, scoped=False, target=_project, **kw)


A, V = Role.ADMIN, Role.VIEWER
ROUTES = [
    _route("POST", PROJECT + "/webhooks", create, A, "CreateWebhook", body=CreateBody),
    _route("GET", PROJECT + "/webhooks", list_all, V, "ListWebhooks"),
    _route("GET", WEBHOOK, get, V, "GetWebhook"),
    _route("PATCH", WEBHOOK, update, A, "UpdateWebhook", body=UpdateBody),
    _route("DELETE", WEBHOOK, delete, A, "DeleteWebhook"),
    _route("PATCH", WEBHOOK + "/name", rename, A, "UpdateWebhookName", body=RenameBody),
    _route("GET", WEBHOOK + "/deliveries", deliveries, V, "ListWebhookDeliveries"),
    _route("POST", WEBHOOK + "/test", test, A, "TestWebhook"),
    _route(
        "POST",
        WEBHOOK + "/deliveries/{delivery_id}/redeliver",
        redeliver,
        A,
        "RedeliverWebhookDelivery",
    ),
]
