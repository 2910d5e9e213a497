"""The reads a project's overview needs, each one query: counts, revocations due soon, and
the latest lines of its audit trail."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, func, select

from packyard.domain.audit import AuditEvent
from packyard.domain.registry import Version
from packyard.store.records import VERSION_COLUMNS as _VERSION_COLUMNS
from packyard.store.records import as_version as _version
from packyard.store.tables import audit_events, buckets, versions

_AUDIT_FIELDS = [field.name for field in fields(AuditEvent)]


@dataclass(frozen=True)
class Counts:
    buckets: int
    versions: int
    complete_versions: int


class Overview:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def counts(self, project_id: str) -> Counts:
        bucket_count = self.conn.execute(
            select(func.count()).select_from(buckets).where(buckets.c.project_id == project_id)
        ).scalar_one()
        row = self.conn.execute(
            select(func.count(), func.count(versions.c.sequence))
            .select_from(versions)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(buckets.c.project_id == project_id)
        ).one()
        return Counts(int(bucket_count), int(row[0]), int(row[1]))

    def revocations_between(
        self, project_id: str, start: datetime, end: datetime, *, limit: int = 50
    ) -> list[Version]:
        """Versions whose revocation takes effect after `start`, up to `end`, soonest first."""
        rows = self.conn.execute(
            select(*_VERSION_COLUMNS)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(
                buckets.c.project_id == project_id,
                versions.c.revoke_at > start,
                versions.c.revoke_at <= end,
            )
            .order_by(versions.c.revoke_at)
            .limit(limit)
        )
        return [_version(row) for row in rows]

    def recent_events(self, project_id: str, *, limit: int = 10) -> list[AuditEvent]:
        rows = self.conn.execute(
            select(audit_events)
            .where(audit_events.c.project_id == project_id)
            .order_by(audit_events.c.id.desc())
            .limit(limit)
        )
        return [AuditEvent(**{f: row._mapping[f] for f in _AUDIT_FIELDS}) for row in rows]

    def versions_with_fingerprint(self, project_id: str, fingerprint: str) -> list[Version]:
        rows = self.conn.execute(
            select(*_VERSION_COLUMNS)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(buckets.c.project_id == project_id, versions.c.fingerprint == fingerprint)
            .limit(50)
        )
        return [_version(row) for row in rows]
