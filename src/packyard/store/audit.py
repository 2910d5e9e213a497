"""The audit table: append in the caller's transaction, read newest first."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from sqlalchemy import Connection, insert, select

from packyard.domain.audit import AuditEvent
from packyard.store.tables import audit_events

_FIELDS = [field.name for field in fields(AuditEvent)]
_RECORD = insert(audit_events)  # built once; its values are bound per event


class AuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, event: AuditEvent) -> None:
        self.conn.execute(_RECORD, {f: getattr(event, f) for f in _FIELDS})

    def events(self, *, since: datetime | None = None, limit: int = 1000) -> list[AuditEvent]:
        """Events at or after `since`, oldest first, at most `limit` (the newest of them)."""
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(audit_events.c.occurred_at >= since)
        rows = self.conn.execute(query).all()
        return [AuditEvent(**{f: row._mapping[f] for f in _FIELDS}) for row in reversed(rows)]
