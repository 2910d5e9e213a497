"""Every operation of both planes, and the resource manager, by every kind of caller.

The operations come from the server's own route table (checked against the specs), so a new
route without a case here fails. Each caller gets the status and code its credentials call
for: 401 code 16 without a valid token, 403 code 7 below the operation's role, 404 code 5 for
another tenant (as if nothing were there), success for a role that may. A refused write
leaves its target as it was: the same request then succeeds for an allowed caller. No answer
to anyone shows another tenant's names or ids.

The matrix works in projects of its own, so deactivating a registry here disturbs no other
test.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest

from packyard.auth.principals import create_principal
from packyard.auth.users import create_user
from packyard.domain.identity import Role
from packyard.domain.webhooks import Webhook, WebhookName
from packyard.ids import new_id, utcnow
from packyard.store.webhooks import Webhooks
from packyard.wire.app import API_ROUTES
from packyard.wire.routing import Route
from tests.api.tenants import BLOCK, Tenant, World, new_tenant, sbom_body
from tests.api.tenants import _store as tenant_store
from tests.api.test_v2023 import push2023
from tests.support import contract
from tests.support.server import ApiClient, LiveServer

ROLES = ("viewer", "contributor", "admin")
UNAUTHENTICATED = ("no token", "expired token", "another key's token")
OUTSIDERS = ("another project's admin", "another organization's admin")


@dataclass
class Req:
    """One request for an operation: path parameters, query, body, and what to undo after."""

    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None
    undo: Callable[[], None] | None = None
    outsider_status: int = 404  # what another tenant's principal gets


def _fresh_build(w: World) -> Req:
    fingerprint, build_id = w.new_build()
    return Req({**w.b2, "fingerprint": fingerprint, "build_id": build_id})


def _fresh_block_version(w: World) -> Req:
    block_id, version_id = w.new_block_version()
    return Req({"enforced_block_id": block_id, "enforced_block_version_id": version_id})


def _create_registry(w: World) -> Req:
    w.deactivate()
    return Req(body={}, undo=w.activate)


def _resource_name(w: World, bucket: str) -> str:
    return f"packer/project/{w.t.project_id}/bucket/{bucket}"


def _ancestry_version(w: World) -> Req:
    return Req({**w.b1, "incremental_version": "1"})


_WIP = {
    "oidc_config": {"issuer_uri": "https://issuer.example"},
    "conditional_access": 'jwt_claims.sub == "ci"',
}


def _project_principal(w: World) -> str:
    """A new principal of the matrix project, by name."""
    with tenant_store(w.t.server) as store, store.transaction(write=True) as conn:
        return create_principal(
            conn,
            name=w.t.name(),
            role=Role.CONTRIBUTOR,
            organization_id=w.t.organization_id,
            project_id=w.t.project_id,
            now=utcnow(),
        ).name


def _wip(w: World) -> tuple[str, str]:
    """A new principal of the matrix project with one workload identity provider."""
    principal = _project_principal(w)
    path = f"/2019-12-10/iam/project/{w.t.project_id}/service-principal/{principal}"
    created = w.api.post(
        path + "/workload-identity-providers", json={"name": "ci-main", "provider": _WIP}
    )
    assert created.status_code == 200, created.text
    return principal, "ci-main"


# Webhooks of the matrix project are written straight into the store, disabled, to a
# loopback URL the session's server may not reach: no recipe sends anything anywhere (a
# test attempt is refused before it connects).
def _user(w: World) -> str:
    """A user of the tenant's organization, made in the store."""
    name = w.t.name()
    with tenant_store(w.t.server) as store, store.transaction(write=True) as conn:
        create_user(
            conn,
            name=name,
            role=Role.VIEWER,
            organization_id=w.t.organization_id,
            project_id=w.t.project_id,
            now=utcnow(),
        )
    return name


def _webhook(w: World) -> str:
    name, now = w.t.name(), utcnow()
    with tenant_store(w.t.server) as store, store.transaction(write=True) as conn:
        Webhooks(conn).add(
            Webhook(
                id=new_id(),
                name=WebhookName(w.t.project_id, name),
                organization_id=w.t.organization_id,
                url="http://127.0.0.1:9/hook",
                hmac_key="matrix-key",
                description="",
                enabled=False,
                subscriptions=(),
                created_at=now,
                updated_at=now,
            )
        )
    return name


def _delivery(w: World) -> Req:
    name = _webhook(w)
    with tenant_store(w.t.server) as store, store.transaction(write=True) as conn:
        hooks = Webhooks(conn)
        webhook = hooks.named(WebhookName(w.t.project_id, name))
        assert webhook is not None
        delivery_id, now = new_id(), utcnow()
        hooks.add_deliveries(
            [
                {
                    "id": delivery_id,
                    "webhook_id": webhook.id,
                    "event_id": "packer.event:matrix",
                    "action": "revoke",
                    "subject_id": webhook.id,
                    "payload": {"event_action": "revoke"},
                    "state": "FAILED",
                    "attempts": 1,
                    "next_attempt_at": now,
                    "created_at": now,
                    "sent_at": None,
                    "request_headers": {},
                    "response_status": 500,
                    "response_headers": {},
                    "response_body": "",
                    "error": "HTTP 500",
                }
            ]
        )
    return Req({"name": name, "delivery_id": delivery_id})


# A request that succeeds for an allowed caller, per operation; each call makes its own
# fresh content where the operation consumes or changes it.
RECIPES: dict[str, Callable[[World], Req]] = {
    # 2021-04-30
    "GetBuild": lambda w: Req({"build_id": w.build_id}),
    "DeleteBuild": lambda w: Req({"build_id": w.new_build()[1]}),
    "UpdateBuild": lambda w: Req(
        {"build_id": w.new_build()[1]}, body={"updates": {"status": "RUNNING"}}
    ),
    "ListBuckets": lambda w: Req(),
    "CreateBucket": lambda w: Req(body={"bucket_slug": w.t.name()}),
    "GetBucket": lambda w: Req(w.b1),
    "DeleteBucket": lambda w: Req({"bucket_slug": w.new_bucket()}),
    "UpdateBucket": lambda w: Req(w.b1, body={"description": "changed"}),
    "ListBucketAncestry": lambda w: Req(w.b1),
    "ListChannels": lambda w: Req(w.b1),
    "CreateChannel": lambda w: Req(w.b1, body={"slug": w.t.name(), "iteration_id": w.version_id}),
    "GetChannel": lambda w: Req({**w.b1, "slug": w.channel}),
    "DeleteChannel": lambda w: Req({**w.b1, "slug": w.new_channel()}),
    "UpdateChannel": lambda w: Req(
        {**w.b1, "slug": w.new_channel()}, body={"iteration_id": w.version_id}
    ),
    "ListChannelHistory": lambda w: Req({**w.b1, "slug": w.channel}),
    "GetIteration": lambda w: Req(w.b1, query={"iteration_id": w.version_id}),
    "ListIterations": lambda w: Req(w.b1),
    "CreateIteration": lambda w: Req(w.b1, body={"fingerprint": w.t.name()}),
    "GetAncestorImages": _ancestry_version,
    "GetChildImages": _ancestry_version,
    "CreateBuild": lambda w: Req(
        {**w.b1, "iteration_id": w.new_version()[1]},
        body={"build": {"component_type": "null.m", "status": "UNSET"}},
    ),
    "ListBuilds": lambda w: Req({**w.b1, "iteration_id": w.version_id}),
    "DeleteIteration": lambda w: Req({"iteration_id": w.new_version()[1]}),
    "UpdateIteration": lambda w: Req(
        {"iteration_id": w.new_complete_version()[1]},
        body={"bucket_slug": w.bucket, "revoke_in": "1h", "revocation_message": "m"},
    ),
    "GetRegistry": lambda w: Req(),
    "DeleteRegistry": lambda w: Req(undo=w.activate),
    "CreateRegistry": _create_registry,
    "UpdateRegistry": lambda w: Req(body={"feature_tier": "PLUS"}),
    "RegenerateTFCRunTaskHmacKey": lambda w: Req(),
    "GetRegistryTFCRunTaskAPI": lambda w: Req({"task_type": "validation"}),
    # 2023-01-01
    "v2023.ListBuckets": lambda w: Req(),
    "v2023.CreateBucket": lambda w: Req(body={"name": w.t.name()}),
    "v2023.GetBucket": lambda w: Req(w.b2),
    "v2023.DeleteBucket": lambda w: Req({"bucket_name": w.new_bucket()}),
    "v2023.UpdateBucket": lambda w: Req(w.b2, body={"description": "changed"}),
    "v2023.ListBucketAncestry": lambda w: Req(w.b2),
    "v2023.ListChannels": lambda w: Req(w.b2),
    "v2023.CreateChannel": lambda w: Req(
        w.b2, body={"name": w.t.name(), "version_fingerprint": w.fingerprint}
    ),
    "v2023.AssignChannelVersion": lambda w: Req(
        w.b2, body={"source_channel": w.channel, "target_channel": w.new_channel()}
    ),
    "v2023.GetChannel": lambda w: Req({**w.b2, "channel_name": w.channel}),
    "v2023.DeleteChannel": lambda w: Req({**w.b2, "channel_name": w.new_channel()}),
    "v2023.UpdateChannel": lambda w: Req(
        {**w.b2, "channel_name": w.new_channel()},
        body={"restricted": True, "update_mask": "restricted"},
    ),
    "v2023.ListChannelAssignmentHistory": lambda w: Req({**w.b2, "channel_name": w.channel}),
    "v2023.ListVersions": lambda w: Req(w.b2),
    "v2023.CreateVersion": lambda w: Req(w.b2, body={"fingerprint": w.t.name()}),
    "v2023.GetVersion": lambda w: Req({**w.b2, "fingerprint": w.fingerprint}),
    "v2023.DeleteVersion": lambda w: Req({**w.b2, "fingerprint": w.new_version()[0]}),
    "v2023.UpdateVersion": lambda w: Req(
        {**w.b2, "fingerprint": w.new_complete_version()[0]}, body={"revoke_in": "1h"}
    ),
    "v2023.ListBuilds": lambda w: Req({**w.b2, "fingerprint": w.fingerprint}),
    "v2023.CreateBuild": lambda w: Req(
        {**w.b2, "fingerprint": w.new_version()[0]},
        body={"component_type": "null.m", "status": "BUILD_UNSET"},
    ),
    "v2023.GetBuild": lambda w: Req(w.build2),
    "v2023.DeleteBuild": _fresh_build,
    "v2023.UpdateBuild": lambda w: Req(_fresh_build(w).params, body={"status": "BUILD_RUNNING"}),
    "v2023.GetRegistry": lambda w: Req(),
    "v2023.DeleteRegistry": lambda w: Req(undo=w.activate),
    "v2023.CreateRegistry": _create_registry,
    "v2023.UpdateRegistry": lambda w: Req(
        body={"feature_tier": "PLUS", "update_mask": "featureTier"}
    ),
    "v2023.GetRunTaskConfig": lambda w: Req(),
    "v2023.UpdateRunTaskConfig": lambda w: Req(body={"on_untracked_image": "WARN"}),
    "v2023.RegenerateTFCRunTaskHmacKey": lambda w: Req(),
    "v2023.GetRegistryTFCRunTaskAPI": lambda w: Req({"task_type": "validation"}),
    "v2023.SearchExternalArtifact": lambda w: Req(
        body={"external_identifier": w.external_id, "platform": "null", "region": "r1"}
    ),
    "v2023.ListBucketPackages": lambda w: Req(w.b2),
    "v2023.ListBuildPackages": lambda w: Req(w.build2),
    "v2023.ListSboms": lambda w: Req(w.build2),
    "v2023.UploadSbom": lambda w: Req(_fresh_build(w).params, body=sbom_body(w.t.name())),
    "v2023.GetSbom": lambda w: Req({**w.build2, "sbom_name": w.sbom}),
    "DownloadSbom": lambda w: Req({**w.build2, "sbom_name": w.sbom}),
    "v2023.ListEnforcedBlocks": lambda w: Req(),
    "v2023.CreateEnforcedBlock": lambda w: Req(
        body={"name": w.t.name(), "template_type": "HCL2", "block_content": BLOCK}
    ),
    "v2023.GetEnforcedBlocksByBucket": lambda w: Req(w.b2),
    "v2023.GetEnforcedBlock": lambda w: Req(w.block),
    "v2023.DeleteEnforcedBlock": lambda w: Req({"enforced_block_id": w.new_block()[0]}),
    "v2023.UpdateEnforcedBlock": lambda w: Req(
        w.block, body={"labels": {"team": "m"}, "update_mask": "labels"}
    ),
    "v2023.GetEnforcedBlockVersions": lambda w: Req(w.block),
    "v2023.CreateEnforcedBlockVersion": lambda w: Req(
        w.block,
        body={"version": w.t.name(), "template_type": "HCL2", "block_content": BLOCK + "# x\n"},
    ),
    "v2023.DeleteEnforcedBlockVersion": _fresh_block_version,
    "v2023.UpdateEnforcedBlockVersion": lambda w: Req(
        {**w.block, "enforced_block_version_id": w.block_version_id},
        body={"additional_description": "changed", "update_mask": "additionalDescription"},
    ),
    "v2023.GetEnforcedBlockLinkedBuckets": lambda w: Req(
        {**w.block, "enforced_block_version_id": w.block_version_id}
    ),
    "v2023.ManageEnforcedBlockLinkedBuckets": lambda w: Req(
        {**w.block, "enforced_block_version_id": w.block_version_id},
        body={"bucket_names": [w.new_bucket()]},
    ),
    "v2023.ListBucketPackagesVulnerabilitySummary": lambda w: Req(w.b2),
    "v2023.ListBucketPackagesWithVulnerabilities": lambda w: Req(w.b2),
    "v2023.ListBucketVulnerabilities": lambda w: Req(w.b2),
    # resource manager: another tenant's principal lists its own, and never sees this one
    "ListOrganizations": lambda w: Req(outsider_status=200),
    "ListProjects": lambda w: Req(
        query={"scope.type": "ORGANIZATION", "scope.id": w.t.organization_id},
        outsider_status=200,
    ),
    "GetProject": lambda w: Req({"id": w.t.project_id}),
    # bucket IAM policies and the principals they name
    "GetIamPolicy": lambda w: Req(query={"resource_name": _resource_name(w, w.bucket)}),
    "SetIamPolicy": lambda w: Req(
        body={"resource_name": _resource_name(w, w.new_bucket()), "policy": {"bindings": []}}
    ),
    "BatchGetPrincipals": lambda w: Req(query={"principal_ids": w.t.principal_ids["viewer"]}),
    # workload identity providers on a project-level principal
    "CreateWorkloadIdentityProvider": lambda w: Req(
        {"principal": _project_principal(w)}, body={"name": "ci-main", "provider": _WIP}
    ),
    "ListWorkloadIdentityProvider": lambda w: Req({"principal": _wip(w)[0]}),
    "GetWorkloadIdentityProvider": lambda w: Req(
        dict(zip(("principal", "name"), _wip(w), strict=True))
    ),
    "UpdateWorkloadIdentityProvider": lambda w: Req(
        dict(zip(("principal", "name"), _wip(w), strict=True)), body={"description": "changed"}
    ),
    "DeleteWorkloadIdentityProvider": lambda w: Req(
        dict(zip(("principal", "name"), _wip(w), strict=True))
    ),
    # the Packyard extension API
    "packyard.PreviewRevocation": lambda w: Req(w.b2, body={"versions": [w.fingerprint]}),
    "packyard.FindArtifacts": lambda w: Req(query={"external_identifier": "img-null.a"}),
    "packyard.DiffVersions": lambda w: Req({**w.b2, "from": w.fingerprint, "to": w.version_id}),
    "packyard.ListChannelHistory": lambda w: Req({**w.b2, "channel_name": w.channel}),
    # webhooks (created disabled, so nothing verifies it: the address is never contacted)
    "CreateWebhook": lambda w: Req(
        body={"name": w.t.name(), "enabled": False, "config": {"url": "http://93.184.216.34/"}}
    ),
    "ListWebhooks": lambda w: Req(),
    "GetWebhook": lambda w: Req({"name": _webhook(w)}),
    "UpdateWebhook": lambda w: Req(
        {"name": _webhook(w)},
        body={"update_mask": "description", "webhook": {"description": "changed"}},
    ),
    "UpdateWebhookName": lambda w: Req({"name": _webhook(w)}, body={"name": w.t.name()}),
    "DeleteWebhook": lambda w: Req({"name": _webhook(w)}),
    "ListWebhookDeliveries": lambda w: Req({"name": _webhook(w)}),
    "TestWebhook": lambda w: Req({"name": _webhook(w)}),
    "RedeliverWebhookDelivery": _delivery,
    # the extension's accounts operations (organization-wide admins only: see below)
    "ListUsers": lambda w: Req(),
    "CreateUser": lambda w: Req(body={"name": w.t.name(), "role": "viewer"}),
    "GetUser": lambda w: Req({"user_name": _user(w)}),
    "DeleteUser": lambda w: Req({"user_name": _user(w)}),
    "ResetUserPassword": lambda w: Req({"user_name": _user(w)}),
    "ListUserSessions": lambda w: Req({"user_name": _user(w)}),
    "EndUserSessions": lambda w: Req({"user_name": _user(w)}),
    "ListAuditEvents": lambda w: Req(),
}

ORGANIZATION_ADMIN_ONLY = frozenset(
    {
        "ListUsers",
        "CreateUser",
        "GetUser",
        "DeleteUser",
        "ResetUserPassword",
        "ListUserSessions",
        "EndUserSessions",
        "ListAuditEvents",
    }
)
"""Operations only an organization-wide admin may call: every caller here is bound to one
project or is of another organization, so each is refused (tests/api/test_extension_accounts.py
shows an organization-wide admin served)."""


def _route_id(route: Route) -> str:
    return route.operation


def test_every_route_and_spec_operation_has_a_case():
    operations = [route.operation for route in API_ROUTES]
    assert len(operations) == len(set(operations)), "operation names must be unique"
    assert set(operations) == set(RECIPES), (
        f"routes without a case: {sorted(set(operations) - set(RECIPES))}; "
        f"cases without a route: {sorted(set(RECIPES) - set(operations))}"
    )
    routes = [
        (r.method, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", r.path) + "$"))
        for r in API_ROUTES
    ]
    for op in contract.operations():
        if op.name.startswith(("packer-2021-04-30:", "packer-2023-01-01:")):
            concrete = re.sub(r"\{[^}]+\}", "x", op.template)
            assert any(
                method == op.method and pattern.match(concrete) for method, pattern in routes
            ), f"{op.name} ({op.method} {op.template}) is served by no route"


@dataclass
class Matrix:
    tenant: Tenant
    world: World
    callers: dict[str, ApiClient]
    others: list[Tenant]


def _forged(server: LiveServer, token: str, *, expired: bool) -> str:
    claims = jwt.decode(token, options={"verify_signature": False})
    if expired:
        claims["iat"], claims["exp"] = int(time.time()) - 7200, int(time.time()) - 60
        return jwt.encode(claims, server.signing_key(), algorithm="HS256")
    return jwt.encode(claims, b"a different key of the same length as any" * 2, algorithm="HS256")


@pytest.fixture(scope="module")
def matrix(live_server: LiveServer) -> Matrix:
    tenant = new_tenant(live_server)
    for role in ROLES:
        tenant.clients[role] = tenant.client(role)
    world = World(tenant)
    # Other tenants, each with content of its own that must never show here.
    neighbour = new_tenant(live_server)
    neighbour.clients["admin"] = neighbour.client("admin")
    foreign = new_tenant(live_server, new_organization=True)
    foreign.clients["admin"] = foreign.client("admin", bound=False)
    for other in (neighbour, foreign):
        api = other.admin
        other.ids.add(push2023(api, other.name(), other.name())["id"])
    viewer_token = tenant.clients["viewer"].http.headers["Authorization"].split(" ", 1)[1]
    callers = {
        **tenant.clients,
        "no token": ApiClient(live_server, None),
        "expired token": ApiClient(live_server, _forged(live_server, viewer_token, expired=True)),
        "another key's token": ApiClient(
            live_server, _forged(live_server, viewer_token, expired=False)
        ),
        "another project's admin": neighbour.admin,
        "another organization's admin": foreign.admin,
    }
    return Matrix(tenant, world, callers, [neighbour, foreign])


def _send(matrix: Matrix, route: Route, caller: str, req: Req) -> httpx.Response:
    tenant = matrix.tenant
    path = route.path.format(
        organization_id=tenant.organization_id, project_id=tenant.project_id, **req.params
    )
    kwargs: dict[str, Any] = {"params": req.query}
    if req.body is not None:
        kwargs["json"] = req.body
    return matrix.callers[caller].request(route.method, path, **kwargs)


def _expect(route: Route, caller: str, req: Req) -> tuple[int, int | None]:
    """The status (and error code) this caller must get for this operation."""
    if caller in UNAUTHENTICATED:
        return 401, 16
    if route.operation in ORGANIZATION_ADMIN_ONLY:
        if caller == "another organization's admin":
            return 404, 5
        return 403, 7  # a project's key, whatever its role
    if caller in OUTSIDERS:
        return req.outsider_status, (5 if req.outsider_status == 404 else None)
    return (200, None) if Role.parse(caller) >= route.role else (403, 7)


def _check(matrix: Matrix, route: Route, caller: str, response: httpx.Response, req: Req) -> None:
    status, code = _expect(route, caller, req)
    assert response.status_code == status, f"{caller}: {response.status_code} {response.text}"
    if code is not None:
        body = response.json()
        assert (body["code"], body["details"]) == (code, []), f"{caller}: {body}"
        assert body["message"]
    # Nobody sees another tenant's names or ids; without a valid token, nobody's.
    text = response.text
    tenants = [matrix.tenant, *matrix.others]
    own = {"another project's admin": tenants[1], "another organization's admin": tenants[2]}
    if caller in ROLES:
        own[caller] = matrix.tenant
    for stranger in tenants:
        if stranger is own.get(caller):
            continue
        assert stranger.tag not in text, f"{caller} saw {stranger.tag}: {text}"
        leaked = {item for item in stranger.ids if item in text}
        assert not leaked, f"{caller} saw {leaked}: {text}"


@pytest.mark.parametrize("route", API_ROUTES, ids=_route_id)
def test_operation_by_every_caller(matrix: Matrix, route: Route) -> None:
    world, recipe = matrix.world, RECIPES[route.operation]
    allowed = [role for role in ROLES if Role.parse(role) >= route.role]
    refused = [caller for caller in matrix.callers if caller not in allowed]
    if route.operation in ORGANIZATION_ADMIN_ONLY:
        allowed, refused = [], list(matrix.callers)
    if not route.write or not allowed:
        # Allowed readers first, so a cached answer is there to be wrongly handed out.
        req = recipe(world)
        for caller in [*allowed, *refused]:
            _check(matrix, route, caller, _send(matrix, route, caller, req), req)
        return
    # A write everyone else is refused must still succeed afterwards, for an allowed caller:
    # the refusals changed nothing it depends on.
    req = recipe(world)
    try:
        for caller in refused:
            _check(matrix, route, caller, _send(matrix, route, caller, req), req)
        _check(matrix, route, allowed[0], _send(matrix, route, allowed[0], req), req)
    finally:
        if req.undo:
            req.undo()
    for caller in allowed[1:]:
        req = recipe(world)
        try:
            _check(matrix, route, caller, _send(matrix, route, caller, req), req)
        finally:
            if req.undo:
                req.undo()
