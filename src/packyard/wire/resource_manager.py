"""The three resource-manager reads clients make: organizations, projects, one project."""

from __future__ import annotations

from packyard.domain.identity import Role
from packyard.errors import InvalidArgument, NotFound
from packyard.ids import rfc3339
from packyard.store.tenants import TenantRow, Tenants
from packyard.wire.http import paginate
from packyard.wire.routing import Call, Route

PREFIX = "/resource-manager/2019-12-10"


def _organization(row: TenantRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "state": "ACTIVE",
        "created_at": rfc3339(row.created_at),
    }


def _project(row: TenantRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "parent": {"type": "ORGANIZATION", "id": row.organization_id},
        "state": "ACTIVE",
        "created_at": rfc3339(row.created_at),
    }


def list_organizations(call: Call) -> object:
    tenants = Tenants(call.repo.conn)
    found = [row for row in tenants.organizations() if row.id == call.actor.organization_id]
    page, pagination = paginate(call.request, found)
    return {"organizations": [_organization(row) for row in page], "pagination": pagination}


def _visible_projects(call: Call, organization_id: str) -> list[TenantRow]:
    if organization_id != call.actor.organization_id:
        return []
    return [
        row
        for row in Tenants(call.repo.conn).projects(organization_id)
        if call.actor.project_id in (None, row.id)
    ]


def list_projects(call: Call) -> object:
    query = call.request.query_params
    scope_type = (query.get("scope.type") or "ORGANIZATION").upper()
    if scope_type != "ORGANIZATION":
        raise InvalidArgument("scope.type must be ORGANIZATION")
    organization_id = query.get("scope.id") or call.actor.organization_id
    page, pagination = paginate(call.request, _visible_projects(call, organization_id))
    return {"projects": [_project(row) for row in page], "pagination": pagination}


def get_project(call: Call) -> object:
    row = Tenants(call.repo.conn).project(call.param("id"))
    if row is None or not call.actor.can_see(row.organization_id, row.id):
        raise NotFound("project not found")
    return {"project": _project(row)}


ROUTES = [
    Route(
        "GET",
        PREFIX + "/organizations",
        list_organizations,
        Role.VIEWER,
        "ListOrganizations",
        scoped=False,
    ),
    Route("GET", PREFIX + "/projects", list_projects, Role.VIEWER, "ListProjects", scoped=False),
    Route("GET", PREFIX + "/projects/{id}", get_project, Role.VIEWER, "GetProject", scoped=False),
]
