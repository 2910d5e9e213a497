"""Organizations, projects and service principals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, exists, insert, select, update

from packyard.domain.identity import Role
from packyard.store.account_tables import users
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import (
    bucket_grants,
    organizations,
    principals,
    projects,
    registries,
)

# A row of the organizations or the projects table, as the store hands it on.
TenantRow = Row[Any]

# The addressed registry's other columns in the caller's row, each prefixed (the principal's
# own share their names).
REGISTRY_OF_CALLER = tuple(
    column.label(f"registry__{column.key}")
    for column in registries.c
    if column.key not in ("id", "content_version", "activated")
)

# Built once: the per-request look-up of the caller and of the registry it addresses.
CALLER = Prebuilt(
    select(
        principals,
        registries.c.id.label("registry_id"),
        registries.c.content_version,
        registries.c.activated,
        *REGISTRY_OF_CALLER,
        exists().where(bucket_grants.c.principal_id == principals.c.id).label("bucket_roles"),
        projects.c.organization_id.label("project_organization_id"),
    )
    .select_from(
        principals.outerjoin(
            registries, registries.c.project_id == bindparam("project_id")
        ).outerjoin(projects, projects.c.id == bindparam("project_id"))
    )
    .where(principals.c.id == bindparam("principal_id"))
)


class Tenants:
    """Queries over the tenancy tables, inside one open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def organizations(self) -> list[TenantRow]:
        return list(self.conn.execute(select(organizations).order_by(organizations.c.created_at)))

    def organization(self, organization_id: str) -> TenantRow | None:
        return self.conn.execute(
            select(organizations).where(organizations.c.id == organization_id)
        ).first()

    def add_organization(self, **values: Any) -> None:
        self.conn.execute(insert(organizations).values(**values))

    def projects(self, organization_id: str) -> list[TenantRow]:
        return list(
            self.conn.execute(
                select(projects)
                .where(projects.c.organization_id == organization_id)
                .order_by(projects.c.created_at, projects.c.id)
            )
        )

    def project(self, project_id: str) -> TenantRow | None:
        return self.conn.execute(select(projects).where(projects.c.id == project_id)).first()

    def add_project(self, **values: Any) -> None:
        self.conn.execute(insert(projects).values(**values))

    def principals(self) -> list[Row[Any]]:
        """Service principals (the keys); users are principals too, listed by Accounts."""
        person = exists().where(users.c.principal_id == principals.c.id)
        query = select(principals).where(~person).order_by(principals.c.created_at)
        return list(self.conn.execute(query))

    def principal_by_client_id(self, client_id: str) -> Row[Any] | None:
        return self.conn.execute(
            select(principals).where(principals.c.client_id == client_id)
        ).first()

    def principal_by_id(self, principal_id: str) -> Row[Any] | None:
        return self.conn.execute(select(principals).where(principals.c.id == principal_id)).first()

    def caller(self, principal_id: str, project_id: str) -> Row[Any] | None:
        """A principal with the addressed project's registry state, in one query."""
        found = CALLER.run(self.conn, {"principal_id": principal_id, "project_id": project_id})
        return found.first()  # type: ignore[no-any-return]

    def principal_by_name(self, name: str) -> Row[Any] | None:
        return self.conn.execute(select(principals).where(principals.c.name == name)).first()

    def add_principal(self, *, role: Role, **values: Any) -> None:
        self.conn.execute(insert(principals).values(role=role.label, **values))

    def change_principal(self, principal_id: str, **values: Any) -> None:
        self.conn.execute(
            update(principals).where(principals.c.id == principal_id).values(**values)
        )

    def remove_principal(self, principal_id: str) -> None:
        self.conn.execute(delete(principals).where(principals.c.id == principal_id))
