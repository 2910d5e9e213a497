"""A project's webhooks: create, read, list, update by mask, rename, delete, the delivery log,
redelivery, and HCP's verification (a `test` payload on create, on enable and when the URL
or key changes; the webhook is enabled only if the receiver answers 2xx).

Verification sends over the network, so it runs after the request's transaction has
committed (`verify`, with the store), never while a write lock is held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from packyard.domain.identity import Scope, within
from packyard.domain.update_mask import mask_paths
from packyard.domain.webhooks import (
    Delivery,
    DeliveryState,
    Subscription,
    Webhook,
    WebhookName,
    checked_subscriptions,
    require_webhook_name,
    test_payload,
)
from packyard.errors import AlreadyExists, InvalidArgument, NotFound
from packyard.ids import new_id, utcnow
from packyard.outbound import Refused
from packyard.services.common import unique
from packyard.services.events import new_event_id
from packyard.store.engine import Store
from packyard.store.webhooks import Webhooks
from packyard.store.work import Work
from packyard.webhook_sender import WebhookSender

MASKABLE = frozenset({"config", "config.url", "config.hmac_key", "description", "enabled"})
MASKABLE_ALL = MASKABLE | {"subscriptions"}


@dataclass(frozen=True)
class Changes:
    url: str | None = None
    hmac_key: str | None = None
    description: str | None = None
    enabled: bool | None = None
    subscriptions: list[Subscription] | None = None


@dataclass(frozen=True)
class Verification:
    """A webhook to verify once the transaction has committed."""

    webhook_id: str
    enable: bool  # enable it if the receiver answers 2xx


def _require_project(repo: Work, scope: Scope, project_id: str) -> None:
    found = repo.webhooks.project_organization(project_id)
    if not within(found, organization=scope.organization_id):
        raise NotFound(f'no project "{project_id}"')


def _check_url(sender: WebhookSender, url: str) -> str:
    if not url:
        raise InvalidArgument("config.url is required")
    try:
        sender.check(url)
    except Refused as exc:
        raise InvalidArgument(f"the webhook URL is refused: {exc}") from None
    return url


def create_webhook(
    repo: Work,
    scope: Scope,
    sender: WebhookSender,
    *,
    project_id: str,
    name: str,
    changes: Changes,
    now: datetime,
) -> tuple[Webhook, Verification]:
    """Store the webhook disabled; it is enabled when verification succeeds."""
    _require_project(repo, scope, project_id)
    webhook = Webhook(
        id=new_id(),
        name=WebhookName(project_id, require_webhook_name(name)),
        organization_id=scope.organization_id,
        url=_check_url(sender, changes.url or ""),
        hmac_key=changes.hmac_key or "",
        description=changes.description or "",
        enabled=False,
        subscriptions=checked_subscriptions(changes.subscriptions or []),
        created_at=now,
        updated_at=now,
    )
    hooks = repo.webhooks
    message = f'a webhook named "{name}" already exists in the project'
    if hooks.named(webhook.name) is not None:
        raise AlreadyExists(message)
    unique(lambda: hooks.add(webhook), message)
    wanted = changes.enabled is None or changes.enabled
    return webhook, Verification(webhook.id, enable=wanted)


def get_webhook(repo: Work, name: WebhookName) -> Webhook:
    found = repo.webhooks.named(name)
    if found is None:
        raise NotFound(f'no webhook "{name.name}" in project "{name.project_id}"')
    return found


def list_webhooks(repo: Work, scope: Scope, project_id: str) -> list[Webhook]:
    _require_project(repo, scope, project_id)
    return repo.webhooks.of_project(project_id)


def _mask(mask: str) -> set[str]:
    paths = mask_paths(
        mask,
        allowed={path: path for path in MASKABLE_ALL},
        required="update_mask names no field to update",
    )
    return set(paths)


def update_webhook(
    repo: Work,
    sender: WebhookSender,
    name: WebhookName,
    *,
    changes: Changes,
    mask: str,
    now: datetime,
) -> tuple[Webhook, Verification | None]:
    """Change the masked fields. Enabling, or a new URL or key, is verified after commit:
    until then the webhook is disabled."""
    webhook = get_webhook(repo, name)
    fields = _mask(mask)
    values: dict[str, object] = {}
    if fields & {"config", "config.url"} and (changes.url or "") != webhook.url:
        values["url"] = _check_url(sender, changes.url or "")
    if fields & {"config", "config.hmac_key"} and (changes.hmac_key or "") != webhook.hmac_key:
        values["hmac_key"] = changes.hmac_key or ""
    if "description" in fields:
        values["description"] = changes.description or ""
    if "subscriptions" in fields:
        values["subscriptions"] = checked_subscriptions(changes.subscriptions or [])
    wanted = bool(changes.enabled) if "enabled" in fields else webhook.enabled
    verify: Verification | None = None
    if wanted and (not webhook.enabled or "url" in values or "hmac_key" in values):
        verify = Verification(webhook.id, enable=True)
        values["enabled"] = False
    elif not wanted:
        values["enabled"] = False
    values["updated_at"] = now
    repo.webhooks.change(webhook.id, **values)
    for key, value in values.items():
        setattr(webhook, key, value)
    return webhook, verify


def rename_webhook(repo: Work, name: WebhookName, *, new_name: str, now: datetime) -> Webhook:
    webhook = get_webhook(repo, name)
    target = WebhookName(name.project_id, require_webhook_name(new_name))
    hooks = repo.webhooks
    if target != name and hooks.named(target) is not None:
        raise AlreadyExists(f'a webhook named "{new_name}" already exists in the project')
    hooks.change(webhook.id, name=target.name, updated_at=now)
    webhook.name, webhook.updated_at = target, now
    return webhook


def delete_webhook(repo: Work, name: WebhookName) -> None:
    repo.webhooks.remove(get_webhook(repo, name).id)


def list_deliveries(repo: Work, name: WebhookName) -> tuple[Webhook, list[Delivery]]:
    webhook = get_webhook(repo, name)
    return webhook, repo.webhooks.deliveries_of(webhook.id)


def last_deliveries(repo: Work, found: list[Webhook]) -> dict[str, Delivery]:
    return repo.webhooks.last_deliveries([hook.id for hook in found])


def show_webhook(repo: Work, name: WebhookName) -> tuple[Webhook, Delivery | None]:
    """The named webhook and its newest delivery (None before its first)."""
    webhook = get_webhook(repo, name)
    return webhook, last_deliveries(repo, [webhook]).get(webhook.id)


def webhooks_with_last(
    repo: Work, scope: Scope, project_id: str
) -> list[tuple[Webhook, Delivery | None]]:
    """The project's webhooks, each with its newest delivery (None before its first)."""
    found = list_webhooks(repo, scope, project_id)
    last = last_deliveries(repo, found)
    return [(webhook, last.get(webhook.id)) for webhook in found]


def redeliver(
    repo: Work, name: WebhookName, delivery_id: str, *, now: datetime
) -> tuple[Webhook, Delivery]:
    """Send a delivery's payload again, as a new delivery due now; the webhook and the copy."""
    webhook = get_webhook(repo, name)
    hooks = repo.webhooks
    original = hooks.delivery(webhook.id, delivery_id)
    if original is None:
        raise NotFound(f'no delivery "{delivery_id}" of webhook "{name.name}"')
    copy = Delivery(
        id=new_id(),
        webhook_id=webhook.id,
        event_id=original.event_id,
        payload=original.payload,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    hooks.add_deliveries([_row(copy, action="redelivery", subject_id=delivery_id)])
    return webhook, copy


def _row(delivery: Delivery, *, action: str, subject_id: str) -> dict[str, object]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "event_id": delivery.event_id,
        "action": action,
        "subject_id": subject_id,
        "payload": delivery.payload,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "sent_at": delivery.sent_at,
        "request_headers": delivery.request_headers,
        "response_status": delivery.response_status,
        "response_headers": delivery.response_headers,
        "response_body": delivery.response_body,
        "error": delivery.error,
    }


def verify(store: Store, sender: WebhookSender, check: Verification) -> Webhook | None:
    """Send the verification payload now (outside any transaction), log it as a delivery,
    and enable the webhook if asked and the receiver answered 2xx."""
    with store.transaction() as conn:
        webhook = Webhooks(conn).by_id(check.webhook_id)
    if webhook is None:
        return None
    payload = test_payload(webhook, event_id=new_event_id())
    attempt = sender.send(webhook.url, webhook.hmac_key, payload)
    now = utcnow()
    delivery = Delivery(
        id=new_id(),
        webhook_id=webhook.id,
        event_id=str(payload["event_id"]),
        payload=payload,
        state=DeliveryState.DELIVERED if attempt.ok else DeliveryState.FAILED,
        attempts=1,
        next_attempt_at=now,
        created_at=now,
        sent_at=attempt.sent_at,
        request_headers=attempt.request_headers,
        response_status=attempt.status,
        response_headers=attempt.response_headers,
        response_body=attempt.response_body,
        error=attempt.error,
    )

    def record() -> Webhook | None:
        with store.transaction(write=True) as conn:
            hooks = Webhooks(conn)
            current = hooks.by_id(webhook.id)
            if current is None:
                return None
            hooks.add_deliveries([_row(delivery, action="test", subject_id=webhook.id)])
            if check.enable and attempt.ok and current.url == webhook.url:
                hooks.change(webhook.id, enabled=True)
                current.enabled = True
            return current

    return store.retrying(record)


def newest_delivery(store: Store, webhook_id: str) -> Delivery | None:
    """The webhook's latest delivery (after `verify`, the verification's), read on its own."""
    with store.transaction() as conn:
        found = Webhooks(conn).deliveries_of(webhook_id, limit=1)
    return found[0] if found else None
