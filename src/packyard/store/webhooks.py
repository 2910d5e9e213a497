"""Webhooks and their deliveries (the outbox), inside one open transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, String, and_, bindparam, delete, func, select, update

from packyard.domain.webhooks import (
    Delivery,
    DeliveryState,
    EventPlace,
    Subscription,
    SubscriptionEvent,
    Webhook,
    WebhookName,
)
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import buckets, builds, channels, projects, registries
from packyard.store.webhook_tables import webhook_deliveries as deliveries
from packyard.store.webhook_tables import webhooks

# Every write asks whether its bucket's project listens: built once.
_LISTENED = bindparam("listened", type_=String)
_LISTENERS = Prebuilt(
    select(webhooks)
    .join(buckets, buckets.c.project_id == webhooks.c.project_id)
    .where(buckets.c.id == _LISTENED, webhooks.c.enabled)
)
_PLACE = Prebuilt(
    select(
        buckets.c.id,
        buckets.c.name,
        buckets.c.project_id,
        registries.c.organization_id,
        registries.c.id.label("registry_id"),
    )
    .join(registries, registries.c.project_id == buckets.c.project_id)
    .where(buckets.c.id == _LISTENED)
)

# A channel's version, the builds made from it through the channel, and whether the
# channel's project listens: what a moved channel leaves, in one statement.
_LEAVING = Prebuilt(
    select(
        channels.c.version_id,
        builds.c.version_id.label("child_id"),
        select(webhooks.c.id)
        .join(buckets, buckets.c.project_id == webhooks.c.project_id)
        .where(buckets.c.id == channels.c.bucket_id, webhooks.c.enabled)
        .exists()
        .label("listened"),
    )
    .select_from(channels)
    .outerjoin(
        builds,
        and_(
            builds.c.parent_version_id == channels.c.version_id,
            builds.c.parent_channel_id == channels.c.id,
        ),
    )
    .where(channels.c.id == bindparam("leaving"))
)


def _subscriptions(raw: Any) -> tuple[Subscription, ...]:
    return tuple(
        Subscription(
            resource_id=item.get("resource_id", ""),
            events=tuple(SubscriptionEvent(e["source"], e["action"]) for e in item["events"]),
        )
        for item in raw or []
    )


def subscriptions_json(found: Sequence[Subscription]) -> list[dict[str, object]]:
    return [
        {
            "resource_id": item.resource_id,
            "events": [{"source": e.source, "action": e.action} for e in item.events],
        }
        for item in found
    ]


def _webhook(row: Any) -> Webhook:
    return Webhook(
        id=row.id,
        name=WebhookName(row.project_id, row.name),
        organization_id=row.organization_id,
        url=row.url,
        hmac_key=row.hmac_key,
        description=row.description,
        enabled=row.enabled,
        subscriptions=_subscriptions(row.subscriptions),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        webhook_id=row.webhook_id,
        event_id=row.event_id,
        payload=row.payload,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
        request_headers=row.request_headers or {},
        response_status=row.response_status,
        response_headers=row.response_headers or {},
        response_body=row.response_body,
        error=row.error,
    )


class Webhooks:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- webhooks

    def add(self, webhook: Webhook) -> None:
        self.conn.execute(
            webhooks.insert().values(
                id=webhook.id,
                project_id=webhook.name.project_id,
                organization_id=webhook.organization_id,
                name=webhook.name.name,
                url=webhook.url,
                hmac_key=webhook.hmac_key,
                description=webhook.description,
                enabled=webhook.enabled,
                subscriptions=subscriptions_json(webhook.subscriptions),
                created_at=webhook.created_at,
                updated_at=webhook.updated_at,
            )
        )

    def named(self, name: WebhookName) -> Webhook | None:
        row = self.conn.execute(
            select(webhooks).where(
                webhooks.c.project_id == name.project_id, webhooks.c.name == name.name
            )
        ).first()
        return None if row is None else _webhook(row)

    def by_id(self, webhook_id: str) -> Webhook | None:
        row = self.conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
        return None if row is None else _webhook(row)

    def of_project(self, project_id: str) -> list[Webhook]:
        rows = self.conn.execute(
            select(webhooks).where(webhooks.c.project_id == project_id).order_by(webhooks.c.name)
        )
        return [_webhook(row) for row in rows]

    def enabled_in(self, project_id: str) -> list[Webhook]:
        rows = self.conn.execute(
            select(webhooks).where(webhooks.c.project_id == project_id, webhooks.c.enabled)
        )
        return [_webhook(row) for row in rows]

    def change(self, webhook_id: str, **values: Any) -> None:
        if "subscriptions" in values:
            values["subscriptions"] = subscriptions_json(values["subscriptions"])
        self.conn.execute(update(webhooks).where(webhooks.c.id == webhook_id).values(**values))

    def remove(self, webhook_id: str) -> None:
        self.conn.execute(delete(deliveries).where(deliveries.c.webhook_id == webhook_id))
        self.conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))

    def listeners(self, bucket_id: str) -> tuple[list[Webhook], EventPlace | None]:
        """The enabled webhooks of the bucket's project, and where its events happen (None
        when the project has no enabled webhook: one query tells)."""
        rows = _LISTENERS.run(self.conn, {"listened": bucket_id})
        if not rows:
            return [], None
        place = _PLACE.run(self.conn, {"listened": bucket_id}).first()
        if place is None:
            return [], None
        where = EventPlace(
            organization_id=place.organization_id,
            project_id=place.project_id,
            registry_id=place.registry_id,
            bucket_id=place.id,
            bucket_name=place.name,
        )
        return [_webhook(row) for row in rows], where

    def leaving(self, channel_id: str) -> tuple[str | None, list[str], bool]:
        """The version the channel points at, the versions with a build made from that
        version through this channel, and whether the channel's project has an enabled
        webhook (one query)."""
        rows = _LEAVING.run(self.conn, {"leaving": channel_id})
        current = rows[0].version_id if rows else None
        children = sorted({row.child_id for row in rows if row.child_id})
        return current, children, bool(rows and rows[0].listened)

    def project_organization(self, project_id: str) -> str | None:
        found: str | None = self.conn.execute(
            select(projects.c.organization_id).where(projects.c.id == project_id)
        ).scalar()
        return found

    # --- deliveries

    def add_deliveries(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.conn.execute(deliveries.insert(), rows)

    def delivery(self, webhook_id: str, delivery_id: str) -> Delivery | None:
        row = self.conn.execute(
            select(deliveries).where(
                deliveries.c.webhook_id == webhook_id, deliveries.c.id == delivery_id
            )
        ).first()
        return None if row is None else _delivery(row)

    def deliveries_of(self, webhook_id: str, *, limit: int = 100) -> list[Delivery]:
        rows = self.conn.execute(
            select(deliveries)
            .where(deliveries.c.webhook_id == webhook_id)
            .order_by(deliveries.c.created_at.desc(), deliveries.c.id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in rows]

    def last_deliveries(self, webhook_ids: Sequence[str]) -> dict[str, Delivery]:
        if not webhook_ids:
            return {}
        newest = (
            select(deliveries.c.webhook_id, func.max(deliveries.c.id).label("id"))
            .where(deliveries.c.webhook_id.in_(webhook_ids))
            .group_by(deliveries.c.webhook_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(deliveries).join(
                newest,
                and_(
                    deliveries.c.webhook_id == newest.c.webhook_id, deliveries.c.id == newest.c.id
                ),
            )
        )
        return {row.webhook_id: _delivery(row) for row in rows}

    def cancel_pending(self, subject_id: str, action: str) -> None:
        """Cancel what is still to be sent of one kind of event about a version."""
        self.conn.execute(
            update(deliveries)
            .where(
                deliveries.c.subject_id == subject_id,
                deliveries.c.action == action,
                deliveries.c.state == DeliveryState.PENDING,
            )
            .values(state=DeliveryState.CANCELLED)
        )

    def claim(self, *, now: datetime, lease: timedelta, limit: int) -> list[Delivery]:
        """Take due deliveries for one attempt each: the attempt is counted and the next one
        is due after the lease, so that a worker that dies leaves them to another. On
        PostgreSQL, rows another worker holds are skipped (FOR UPDATE SKIP LOCKED); SQLite's
        writers run one at a time."""
        rows = self.conn.execute(
            select(deliveries)
            .where(deliveries.c.state == DeliveryState.PENDING, deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = [_delivery(row) for row in rows]
        if claimed:
            self.conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_([item.id for item in claimed]))
                .values(attempts=deliveries.c.attempts + 1, next_attempt_at=now + lease)
            )
        for item in claimed:
            item.attempts += 1
        return claimed

    def record(self, delivery_id: str, **values: Any) -> None:
        self.conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))

    def pending_count(self) -> int:
        return int(
            self.conn.execute(
                select(func.count())
                .select_from(deliveries)
                .where(deliveries.c.state == DeliveryState.PENDING)
            ).scalar_one()
        )
