"""The schema's webhooks' tables, on the one metadata of packyard.store.tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from packyard.store.tables import metadata, timestamp

# A project's webhooks (HCP's webhook service); the key is write-only.
webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("organization_id", String(36), nullable=False),
    Column("name", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("hmac_key", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("subscriptions", JSON, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    UniqueConstraint("project_id", "name"),
)

# The outbox: one row per event and webhook, written in the transaction of the change; a
# delivery worker claims rows whose next attempt is due (the claim moves it into the future,
# so a worker that dies mid-attempt leaves it to be claimed again).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("webhook_id", ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("subject_id", String(26), nullable=False),  # the version the event is about
    Column("payload", JSON, nullable=False),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    timestamp("next_attempt_at"),
    timestamp("created_at"),
    timestamp("sent_at", nullable=True),
    Column("request_headers", JSON, nullable=False),
    Column("response_status", Integer, nullable=False),
    Column("response_headers", JSON, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("error", Text, nullable=False),
    Index("ix_webhook_deliveries_state", "state", "next_attempt_at"),
    Index("ix_webhook_deliveries_webhook_id", "webhook_id", "created_at"),
)
