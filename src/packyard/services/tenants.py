"""Tenancy: organizations, their projects, and the service principals that act in them.

A principal's key is made by packyard.auth (credentials are its business); this module
records the principal it belongs to and checks the name and the place it is made in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from packyard.domain.identity import Actor, Role, Scope, within
from packyard.errors import AlreadyExists, InvalidArgument, NotFound
from packyard.ids import new_id, new_uuid
from packyard.services.registry import create_registry
from packyard.store.tenants import TenantRow as TenantRow
from packyard.store.tenants import Tenants
from packyard.store.work import Work


@dataclass(frozen=True)
class PrincipalKey:
    """A new key as packyard.auth makes it: the id and secret a client logs in with, and
    the hash the store keeps of the secret."""

    client_id: str
    client_secret: str
    secret_hash: str


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


@dataclass(frozen=True)
class Bootstrap:
    organization_id: str
    project_id: str
    admin: Credentials


def project_of(tenants: Tenants, organization_id: str, project_id: str) -> TenantRow | None:
    """The tenancy check: the project, if it exists and belongs to the organization (one of
    another organization is, to the caller, one that does not exist)."""
    project = tenants.project(project_id)
    if project is None or not within(project.organization_id, organization=organization_id):
        return None
    return project


# principals -------------------------------------------------------------------------------
def create_principal(
    work: Work,
    *,
    name: str,
    role: Role,
    organization_id: str,
    project_id: str | None,
    key: PrincipalKey,
    now: datetime,
) -> Credentials:
    tenants = work.tenants
    if not name.strip():
        raise InvalidArgument("a principal needs a name")
    if name != name.strip() or "/" in name or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InvalidArgument(
            f'a name may not contain "/" or control characters, nor begin or end with a '
            f'space: "{name}"'
        )
    if tenants.principal_by_name(name) is not None:
        raise AlreadyExists(f'a principal named "{name}" already exists')
    if project_id is not None and project_of(tenants, organization_id, project_id) is None:
        raise NotFound(f'project "{project_id}" not found')
    principal_id = new_id()
    tenants.add_principal(
        id=principal_id,
        name=name,
        client_id=key.client_id,
        secret_hash=key.secret_hash,
        secret_generation=1,
        role=role,
        organization_id=organization_id,
        project_id=project_id,
        created_at=now,
    )
    return Credentials(
        name, role, key.client_id, key.client_secret, organization_id, project_id, principal_id
    )


def rotate_principal(work: Work, *, name: str, key: PrincipalKey) -> Credentials:
    """Give the named principal a new secret (its client id stays); the old one and every
    token made with it stop working, as the secret's generation moves on."""
    row = work.tenants.principal_by_name(name)
    if row is None:
        raise NotFound(f'no principal named "{name}"')
    work.tenants.change_principal(
        row.id, secret_hash=key.secret_hash, secret_generation=row.secret_generation + 1
    )
    return Credentials(
        name,
        Role.parse(row.role),
        row.client_id,
        key.client_secret,
        row.organization_id,
        row.project_id,
        row.id,
    )


def delete_principal(work: Work, *, name: str) -> None:
    row = work.tenants.principal_by_name(name)
    if row is None:
        raise NotFound(f'no principal named "{name}"')
    work.tenants.remove_principal(row.id)


def list_principals(work: Work) -> list[TenantRow]:
    """Every principal, oldest first (their secrets' hashes are the caller's to leave out)."""
    return work.tenants.principals()


# organizations and projects ---------------------------------------------------------------
def create_project(work: Work, *, name: str, organization_id: str | None, now: datetime) -> Scope:
    """A project with an active registry, in an existing organization or (None) a new one."""
    tenants = work.tenants
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
    create_registry(work, scope, now=now)
    return scope


def bootstrap(
    work: Work, *, now: datetime, admin_key: PrincipalKey, admin_name: str = "admin"
) -> Bootstrap | None:
    """On a store with no organization: one organization, one project, a registry, an admin."""
    if work.tenants.organizations():
        return None
    scope = create_project(work, name="default", organization_id=None, now=now)
    admin = create_principal(
        work,
        name=admin_name,
        role=Role.ADMIN,
        organization_id=scope.organization_id,
        project_id=None,
        key=admin_key,
        now=now,
    )
    return Bootstrap(scope.organization_id, scope.project_id, admin)


def all_projects(work: Work) -> list[tuple[TenantRow, TenantRow]]:
    """Every organization with each of its projects, in the order they were made."""
    tenants = work.tenants
    return [
        (organization, project)
        for organization in tenants.organizations()
        for project in tenants.projects(organization.id)
    ]


def default_tenant(work: Work) -> Scope | None:
    """The first organization and its first project (where a console command acts when it
    is not told), or None on a store not yet started."""
    organizations = work.tenants.organizations()
    if not organizations:
        return None
    projects = work.tenants.projects(organizations[0].id)
    return Scope(organizations[0].id, projects[0].id)


def organizations_seen(work: Work, actor: Actor) -> list[TenantRow]:
    """The organizations the caller may see: its own."""
    return [row for row in work.tenants.organizations() if actor.can_see(row.id)]


def projects_seen(work: Work, actor: Actor, organization_id: str) -> list[TenantRow]:
    """The projects of an organization the caller may see: none of another organization,
    and only its own project for a principal of one project."""
    if not actor.can_see(organization_id):
        return []
    found = work.tenants.projects(organization_id)
    return [row for row in found if actor.can_see(row.organization_id, row.id)]


def project_seen(work: Work, actor: Actor, project_id: str) -> TenantRow:
    """A project the caller may see; any other (or none) is not found."""
    row = work.tenants.project(project_id)
    if row is None or not actor.can_see(row.organization_id, row.id):
        raise NotFound("project not found")
    return row
