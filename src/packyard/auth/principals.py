"""Service principals: create, list, delete, rotate; and the first start's bootstrap."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, RowMapping

from packyard.domain.identity import Actor, Role, Scope
from packyard.errors import AlreadyExists, InvalidArgument, NotFound, Unauthenticated
from packyard.ids import new_id, new_uuid
from packyard.services.registry import create_registry
from packyard.store.repository import Repository
from packyard.store.tenants import Tenants

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-secret")


@dataclass(frozen=True)
class Credentials:
    """A principal's key, as shown once on creation or rotation."""

    name: str
    role: Role
    client_id: str
    client_secret: str
    organization_id: str
    project_id: str | None
    principal_id: str  # what an IAM policy names the principal by


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(48)
    return secret, _hasher.hash(secret)


def create_principal(
    conn: Connection,
    *,
    name: str,
    role: Role,
    organization_id: str,
    project_id: str | None,
    now: datetime,
) -> Credentials:
    tenants = Tenants(conn)
    if not name.strip():
        raise InvalidArgument("a principal needs a name")
    if tenants.principal_by_name(name) is not None:
        raise AlreadyExists(f'a principal named "{name}" already exists')
    if project_id is not None:
        project = tenants.project(project_id)
        if project is None or project.organization_id != organization_id:
            raise NotFound(f'project "{project_id}" not found')
    client_id = secrets.token_hex(16)
    secret, secret_hash = _new_secret()
    principal_id = new_id()
    tenants.add_principal(
        id=principal_id,
        name=name,
        client_id=client_id,
        secret_hash=secret_hash,
        secret_generation=1,
        role=role,
        organization_id=organization_id,
        project_id=project_id,
        created_at=now,
    )
    return Credentials(name, role, client_id, secret, organization_id, project_id, principal_id)


def rotate_principal(conn: Connection, *, name: str) -> Credentials:
    tenants = Tenants(conn)
    row = tenants.principal_by_name(name)
    if row is None:
        raise NotFound(f'no principal named "{name}"')
    secret, secret_hash = _new_secret()
    tenants.change_principal(
        row.id, secret_hash=secret_hash, secret_generation=row.secret_generation + 1
    )
    return Credentials(
        name,
        Role.parse(row.role),
        row.client_id,
        secret,
        row.organization_id,
        row.project_id,
        row.id,
    )


def delete_principal(conn: Connection, *, name: str) -> None:
    tenants = Tenants(conn)
    row = tenants.principal_by_name(name)
    if row is None:
        raise NotFound(f'no principal named "{name}"')
    tenants.remove_principal(row.id)


@dataclass(frozen=True)
class StoredSecret:
    """What a login's secret is checked against; an unknown client id gets a dummy hash."""

    principal_id: str | None
    generation: int
    secret_hash: str


def stored_secret(conn: Connection, *, client_id: str) -> StoredSecret:
    row = Tenants(conn).principal_by_client_id(client_id)
    if row is None:
        # Checked against a dummy hash all the same, so timing tells nothing.
        return StoredSecret(None, 0, _DUMMY_HASH)
    return StoredSecret(row.id, row.secret_generation, row.secret_hash)


def secret_matches(secret_hash: str, client_secret: str) -> bool:
    """The argon2 check: slow on purpose, so callers run it off the event loop."""
    try:
        return bool(_hasher.verify(secret_hash, client_secret))
    except (VerificationError, InvalidHashError):
        return False


def authenticated(stored: StoredSecret, matches: bool) -> tuple[str, int]:
    """The principal id and its secret generation, for a secret that matched a known id."""
    if not matches or stored.principal_id is None:
        raise Unauthenticated("invalid client credentials")
    return stored.principal_id, stored.generation


def caller_from(
    row: Mapping[str, Any] | RowMapping | None, *, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    """The token's principal, and the addressed project's registry content stamp if active.

    A project the path names (`project_id`) must be one of the principal's organization: one
    that does not exist and one of another organization answer alike, as not found."""
    if row is None or row["secret_generation"] != generation:
        raise Unauthenticated("the token's principal no longer exists or was rotated")
    if project_id and row["project_organization_id"] != row["organization_id"]:
        raise NotFound("project not found")
    actor = Actor(
        row["id"],
        row["name"],
        Role.parse(row["role"]),
        row["organization_id"],
        row["project_id"],
        bucket_roles=bool(row["bucket_roles"]),
    )
    stamp = (row["registry_id"], row["content_version"]) if row["activated"] else None
    return actor, stamp


def actor_for(
    conn: Connection, *, principal_id: str, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    row = Tenants(conn).caller(principal_id, project_id)
    return caller_from(
        None if row is None else row._mapping, generation=generation, project_id=project_id
    )


@dataclass(frozen=True)
class Bootstrap:
    organization_id: str
    project_id: str
    admin: Credentials


def create_project(
    conn: Connection, *, name: str, organization_id: str | None, now: datetime
) -> Scope:
    """A project with an active registry, in an existing organization or (None) a new one."""
    tenants = Tenants(conn)
    if not name.strip():
        raise InvalidArgument("a project needs a name")
    if organization_id is None:
        organization_id = new_uuid()
        tenants.add_organization(id=organization_id, name=name, created_at=now)
    elif tenants.organization(organization_id) is None:
        raise NotFound(f'organization "{organization_id}" not found')
    scope = Scope(organization_id, new_uuid())
    tenants.add_project(
        id=scope.project_id,
        organization_id=organization_id,
        name=name,
        description="",
        created_at=now,
    )
    create_registry(Repository(conn), scope, now=now)
    return scope


def bootstrap(conn: Connection, *, now: datetime, admin_name: str = "admin") -> Bootstrap | None:
    """On a store with no organization: one organization, one project, a registry, an admin."""
    if Tenants(conn).organizations():
        return None
    scope = create_project(conn, name="default", organization_id=None, now=now)
    organization_id, project_id = scope.organization_id, scope.project_id
    admin = create_principal(
        conn,
        name=admin_name,
        role=Role.ADMIN,
        organization_id=organization_id,
        project_id=None,
        now=now,
    )
    return Bootstrap(organization_id, project_id, admin)
