"""The three resource-manager reads clients make: organizations, projects, one project."""

from __future__ import annotations

from packyard.domain.identity import Role
from packyard.errors import InvalidArgument
from packyard.ids import rfc3339
from packyard.services import tenants
from packyard.services.tenants import TenantRow
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
    found = tenants.organizations_seen(call.work, call.actor)
    page, pagination = paginate(call.request, found)
    return {"organizations": [_organization(row) for row in page], "pagination": pagination}


def list_projects(call: Call) -> object:
    query = call.request.query_params
    scope_type = (query.get("scope.type") or "ORGANIZATION").upper()
    if scope_type != "ORGANIZATION":
        raise InvalidArgument("scope.type must be ORGANIZATION")
    organization_id = query.get("scope.id") or call.actor.organization_id
    found = tenants.projects_seen(call.work, call.actor, organization_id)
    page, pagination = paginate(call.request, found)
    return {"projects": [_project(row) for row in page], "pagination": pagination}


def get_project(call: Call) -> object:
    return {"project": _project(tenants.project_seen(call.work, call.actor, call.param("id")))}


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
