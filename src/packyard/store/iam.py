"""Roles granted on buckets, and the principals a policy may name."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from packyard.domain.iam import Grant, Target
from packyard.domain.identity import Role
from packyard.store.tables import bucket_grants, buckets, builds, principals, versions

# A row of the principals table, as the store hands it to the services.
PrincipalRow = Row[Any]


class Grants:
    """Queries over bucket grants, inside one open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_bucket(self, bucket_id: str) -> list[Grant]:
        rows = self.conn.execute(
            select(bucket_grants.c.principal_id, bucket_grants.c.role).where(
                bucket_grants.c.bucket_id == bucket_id
            )
        )
        return [Grant(principal_id, Role.parse(role)) for principal_id, role in rows]

    def replace(self, bucket_id: str, grants: Iterable[Grant], *, now: datetime) -> None:
        self.conn.execute(delete(bucket_grants).where(bucket_grants.c.bucket_id == bucket_id))
        rows = [
            {
                "bucket_id": bucket_id,
                "principal_id": grant.principal_id,
                "role": grant.role.label,
                "created_at": now,
            }
            for grant in grants
        ]
        if rows:
            self.conn.execute(insert(bucket_grants), rows)

    def roles_on(self, principal_id: str, project_id: str, target: Target) -> list[Role]:
        """The roles a principal holds on the bucket a request names, in one project."""
        query = (
            select(bucket_grants.c.role)
            .join(buckets, buckets.c.id == bucket_grants.c.bucket_id)
            .where(bucket_grants.c.principal_id == principal_id, buckets.c.project_id == project_id)
        )
        if target.bucket_name is not None:
            query = query.where(buckets.c.name == target.bucket_name)
        elif target.version_id is not None:
            query = query.join(versions, versions.c.bucket_id == buckets.c.id).where(
                versions.c.id == target.version_id
            )
        elif target.build_id is not None:
            query = (
                query.join(versions, versions.c.bucket_id == buckets.c.id)
                .join(builds, builds.c.version_id == versions.c.id)
                .where(builds.c.id == target.build_id)
            )
        else:
            return []
        return [Role.parse(role) for role in self.conn.execute(query).scalars()]

    def principals(self, organization_id: str, ids: Iterable[str]) -> list[PrincipalRow]:
        return list(
            self.conn.execute(
                select(principals).where(
                    principals.c.organization_id == organization_id,
                    principals.c.id.in_(list(ids)),
                )
            )
        )
