"""The audit table: append in the caller's transaction, read newest first."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from sqlalchemy import Connection, insert, or_, select

from packyard.domain.audit import AuditEvent
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import audit_events

_FIELDS = [field.name for field in fields(AuditEvent)]
_RECORD = Prebuilt(insert(audit_events))  # built once; its values are bound per event


class AuditLog:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, event: AuditEvent, *, at_commit: bool = False) -> None:
        """Append the event now, or (`at_commit`) with the transaction's commit."""
        values = {f: getattr(event, f) for f in _FIELDS}
        if at_commit:
            _RECORD.at_commit(self.conn, values)
        else:
            _RECORD.run(self.conn, values)

    def events(self, *, since: datetime | None = None, limit: int = 1000) -> list[AuditEvent]:
        """Events at or after `since`, oldest first, at most `limit` (the newest of them)."""
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if since is not None:
            query = query.where(audit_events.c.occurred_at >= since)
        rows = self.conn.execute(query).all()
        return [AuditEvent(**{f: row._mapping[f] for f in _FIELDS}) for row in reversed(rows)]

    def find(
        self,
        *,
        organization_id: str,
        actor: str = "",
        operation: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        before_id: str = "",
        limit: int = 100,
    ) -> list[AuditEvent]:
        """An organization's events, newest first: by actor (name or id), operation, from
        `since` (inclusive) to `until` (exclusive), older than the event `before_id`."""
        table = audit_events
        query = select(table).where(table.c.organization_id == organization_id)
        if actor:
            query = query.where(or_(table.c.actor_name == actor, table.c.actor_id == actor))
        if operation:
            query = query.where(table.c.operation == operation)
        if since is not None:
            query = query.where(table.c.occurred_at >= since)
        if until is not None:
            query = query.where(table.c.occurred_at < until)
        if before_id:
            query = query.where(table.c.id < before_id)
        rows = self.conn.execute(query.order_by(table.c.id.desc()).limit(limit)).all()
        return [AuditEvent(**{f: row._mapping[f] for f in _FIELDS}) for row in rows]
