"""The reads a project's overview needs, each one query: counts, revocations due soon, and
the latest lines of its audit trail."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, exists, func, select

from packyard.domain.audit import AuditEvent
from packyard.domain.registry import Bucket, Version
from packyard.store.records import VERSION_COLUMNS as _VERSION_COLUMNS
from packyard.store.records import as_bucket
from packyard.store.records import as_version as _version
from packyard.store.tables import audit_events, buckets, builds, version_platforms, versions

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

    def events(
        self,
        project_id: str,
        *,
        actor: str = "",
        operation: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> list[AuditEvent]:
        """The project's audit lines, newest first, by who (name), what (operation) and when."""
        query = select(audit_events).where(audit_events.c.project_id == project_id)
        if actor:
            query = query.where(audit_events.c.actor_name == actor)
        if operation:
            query = query.where(audit_events.c.operation.contains(operation, autoescape=True))
        if since is not None:
            query = query.where(audit_events.c.occurred_at >= since)
        if until is not None:
            query = query.where(audit_events.c.occurred_at < until)
        rows = self.conn.execute(query.order_by(audit_events.c.id.desc()).limit(limit))
        return [AuditEvent(**{f: row._mapping[f] for f in _AUDIT_FIELDS}) for row in rows]

    def bucket_page(
        self,
        project_id: str,
        *,
        name: str = "",
        label: tuple[str, str | None] | None = None,
        platform: str = "",
        order_by: str = "name",
        descending: bool = False,
        offset: int = 0,
        limit: int = 25,
    ) -> tuple[list[Bucket], int]:
        """One page of the project's buckets that match, and how many match in all."""
        where = [buckets.c.project_id == project_id]
        if name:
            where.append(buckets.c.name.icontains(name, autoescape=True))
        if label is not None:
            key, value = label
            field = buckets.c.labels[key].as_string()
            where.append(field.is_not(None) if value is None else field == value)
        if platform:  # one probe of the (bucket, platform) index a bucket
            where.append(
                exists().where(
                    version_platforms.c.bucket_id == buckets.c.id,
                    version_platforms.c.platform == platform,
                )
            )
        total = self.conn.execute(select(func.count()).select_from(buckets).where(*where))
        column = {"name": buckets.c.name, "created": buckets.c.id}.get(
            order_by, buckets.c.updated_at
        )
        query = (
            select(buckets)
            .where(*where)
            .order_by(column.desc() if descending else column, buckets.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [as_bucket(row) for row in self.conn.execute(query)], int(total.scalar_one())

    def child_links(self, project_id: str) -> list[tuple[str, str, str | None]]:
        """(child version, parent version, parent channel) of every build of the project
        recorded with a parent: the builds with a parent first, off their index (`> ''`:
        every id is longer), then those of the project's versions among them."""
        rows = self.conn.execute(
            select(
                builds.c.version_id, builds.c.parent_version_id, builds.c.parent_channel_id
            ).where(builds.c.parent_version_id > "")
        ).all()
        children = sorted({row[0] for row in rows})
        own: set[str] = set()
        for at in range(0, len(children), 500):  # stay under bind-parameter limits
            own.update(
                self.conn.execute(
                    select(versions.c.id)
                    .join(buckets, buckets.c.id == versions.c.bucket_id)
                    .where(
                        versions.c.id.in_(children[at : at + 500]),
                        buckets.c.project_id == project_id,
                    )
                ).scalars()
            )
        return [(row[0], row[1], row[2]) for row in rows if row[0] in own]
