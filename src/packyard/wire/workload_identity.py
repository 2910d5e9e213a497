"""IAM 2019-12-10 workload identity providers on a project's service principals, as
hcp-sdk-go's cloud-iam client calls them (create, get, list, update, delete)."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from packyard.domain.iam import Target
from packyard.domain.identity import Role
from packyard.domain.workload_identity import PrincipalName, Provider, ProviderName
from packyard.ids import rfc3339
from packyard.services import workload_identity as wip
from packyard.wire.routing import Call, Route

PRINCIPAL_PATH = "/2019-12-10/iam/project/{project_id}/service-principal/{principal}"
PROVIDERS_PATH = PRINCIPAL_PATH + "/workload-identity-providers"
PROVIDER_PATH = PRINCIPAL_PATH + "/workload-identity-provider/{name}"


class OidcConfig(msgspec.Struct):
    issuer_uri: str | None = None
    allowed_audiences: list[str] | None = None


class ProviderBody(msgspec.Struct):
    oidc_config: OidcConfig | None = None
    conditional_access: str | None = None
    description: str | None = None
    resource_name: str | None = None


class CreateProvider(msgspec.Struct):
    name: str | None = None
    provider: ProviderBody | None = None


def shape(provider: Provider) -> dict[str, object]:
    return {
        "resource_name": provider.name.resource_name,
        "resource_id": provider.id,
        "oidc_config": {
            "issuer_uri": provider.issuer_uri,
            "allowed_audiences": list(provider.allowed_audiences),
        },
        "conditional_access": provider.conditional_access,
        "description": provider.description,
        "created_at": rfc3339(provider.created_at),
        "updated_at": rfc3339(provider.updated_at),
    }


def _changes(body: ProviderBody | None) -> wip.Changes:
    body = body or ProviderBody()
    oidc = body.oidc_config or OidcConfig()
    return wip.Changes(
        issuer_uri=oidc.issuer_uri,
        allowed_audiences=oidc.allowed_audiences,
        conditional_access=body.conditional_access,
        description=body.description,
    )


def _principal(call: Call) -> PrincipalName:
    return PrincipalName(call.param("project_id"), call.param("principal"))


def _provider(call: Call) -> ProviderName:
    return ProviderName(_principal(call), call.param("name"))


def _project(request: Request, params: dict[str, str], body: Any) -> Target:
    return Target(project_id=params["project_id"])


def create(call: Call) -> object:
    body: CreateProvider = call.body
    provider = wip.create_provider(
        call.repo,
        call.scope,
        principal=_principal(call),
        name=body.name or "",
        changes=_changes(body.provider),
        now=call.now,
    )
    return {"provider": shape(provider)}


def get(call: Call) -> object:
    return {"provider": shape(wip.get_provider(call.repo, call.scope, _provider(call)))}


def list_all(call: Call) -> object:
    found = wip.list_providers(call.repo, call.scope, _principal(call))
    return {"providers": [shape(provider) for provider in found], "pagination": {}}


def update(call: Call) -> object:
    provider = wip.update_provider(
        call.repo,
        call.scope,
        _provider(call),
        changes=_changes(call.body),
        mask=call.request.query_params.get("update_mask", ""),
        now=call.now,
    )
    return {"provider": shape(provider)}


def delete(call: Call) -> object:
    name = _provider(call)
    wip.delete_provider(call.repo, call.scope, name)
    return {"resource_name": name.resource_name}


def _route(method: str, path: str, handler: Any, role: Role, operation: str, **kw: Any) -> Route:
    return Route(method, path, handler, role, operation, scoped=False, target=_project, **kw)


ROUTES = [
    _route(
        "POST",
        PROVIDERS_PATH,
        create,
        Role.ADMIN,
        "CreateWorkloadIdentityProvider",
        body=CreateProvider,
    ),
    _route("GET", PROVIDERS_PATH, list_all, Role.VIEWER, "ListWorkloadIdentityProvider"),
    _route("GET", PROVIDER_PATH, get, Role.VIEWER, "GetWorkloadIdentityProvider"),
    _route(
        "PATCH",
        PROVIDER_PATH,
        update,
        Role.ADMIN,
        "UpdateWorkloadIdentityProvider",
        body=ProviderBody,
    ),
    _route("DELETE", PROVIDER_PATH, delete, Role.ADMIN, "DeleteWorkloadIdentityProvider"),
]
