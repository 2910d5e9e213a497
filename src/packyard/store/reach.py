"""Where buckets live, and the roles a principal holds: for reads that reach past the bucket a
request addresses (a build's parents, ancestry)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from packyard.domain.identity import Role
from packyard.store.tables import (
    bucket_grants,
    buckets,
    principals,
    projects,
    registries,
    versions,
)


@dataclass(frozen=True)
class BucketPlace:
    """A bucket's organization and project, and whether its project's registry is active."""

    bucket_id: str
    organization_id: str
    project_id: str
    active: bool


class Reach:
    """Queries over buckets' tenancy and grants, inside one open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def places(self, bucket_ids: Iterable[str]) -> dict[str, BucketPlace]:
        ids = list(set(bucket_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(
                buckets.c.id,
                projects.c.organization_id,
                buckets.c.project_id,
                registries.c.activated,
            )
            .join(projects, projects.c.id == buckets.c.project_id)
            .outerjoin(registries, registries.c.project_id == buckets.c.project_id)
            .where(buckets.c.id.in_(ids))
        )
        return {
            row.id: BucketPlace(row.id, row.organization_id, row.project_id, bool(row.activated))
            for row in rows
        }

    def owners_of(self, version_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """The (organization, project) each of these versions belongs to."""
        ids = list(set(version_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(versions.c.id, projects.c.organization_id, projects.c.id.label("project_id"))
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .join(projects, projects.c.id == buckets.c.project_id)
            .where(versions.c.id.in_(ids))
        )
        return {row.id: (row.organization_id, row.project_id) for row in rows}

    def inheriting_from(self, root_id: str) -> list[str]:
        """The versions whose revocation was inherited from the root version."""
        rows = self.conn.execute(select(versions.c.id).where(versions.c.revoked_from_id == root_id))
        return list(rows.scalars())

    def own_role(self, principal_id: str) -> Role | None:
        """The role a principal holds in its organization or project (no bucket grant)."""
        role = self.conn.execute(
            select(principals.c.role).where(principals.c.id == principal_id)
        ).scalar()
        return None if role is None else Role.parse(role)

    def granted(self, principal_id: str, bucket_ids: Iterable[str]) -> dict[str, Role]:
        """The strongest role granted to a principal on each of these buckets, where any."""
        ids = list(set(bucket_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(bucket_grants.c.bucket_id, bucket_grants.c.role).where(
                bucket_grants.c.principal_id == principal_id, bucket_grants.c.bucket_id.in_(ids)
            )
        )
        found: dict[str, Role] = {}
        for bucket_id, role in rows:
            found[bucket_id] = max(found.get(bucket_id, Role.VIEWER), Role.parse(role))
        return found
