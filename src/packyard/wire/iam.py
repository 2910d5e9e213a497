"""Bucket IAM policies (resource-manager GetIamPolicy / SetIamPolicy on a bucket's resource
name) and the IAM principal look-up that clients make before they bind a principal."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request

from packyard.domain.iam import SERVICE_PRINCIPAL, BucketName, Target
from packyard.domain.identity import Role
from packyard.ids import rfc3339
from packyard.services import iam
from packyard.wire import workload_identity
from packyard.wire.routing import Call, Route

POLICY_PATH = "/2019-12-10/resource-manager/resources/iam-policy"
PRINCIPALS_PATH = "/iam/2019-12-10/organizations/{organization_id}/principals"


class Member(msgspec.Struct):
    member_id: str | None = None
    member_type: str | None = None


class Binding(msgspec.Struct):
    role_id: str | None = None
    members: list[Member] | None = None


class Policy(msgspec.Struct):
    bindings: list[Binding] | None = None
    etag: str | None = None


class SetIamPolicy(msgspec.Struct):
    resource_name: str | None = None
    policy: Policy | None = None


def _policy(found: iam.BucketPolicy) -> dict[str, object]:
    by_role: dict[str, list[dict[str, str]]] = {}
    for grant in found.grants:
        by_role.setdefault(grant.role_id, []).append(
            {"member_id": grant.principal_id, "member_type": SERVICE_PRINCIPAL}
        )
    shape: dict[str, object] = {
        "bindings": [{"role_id": role, "members": members} for role, members in by_role.items()]
    }
    if found.etag:
        shape["etag"] = found.etag
    return {"policy": shape}


def _named(resource_name: str | None) -> Target | None:
    if not resource_name:
        return None
    bucket = BucketName.parse(resource_name)
    return Target(bucket_name=bucket.name, project_id=bucket.project_id)


def _queried(request: Request, params: dict[str, str], body: Any) -> Target | None:
    return _named(request.query_params.get("resource_name"))


def _sent(request: Request, params: dict[str, str], body: Any) -> Target | None:
    return _named(body.resource_name)


def get_iam_policy(call: Call) -> object:
    resource_name = call.request.query_params.get("resource_name", "")
    return _policy(iam.get_bucket_policy(call.repo, call.scope, resource_name=resource_name))


def set_iam_policy(call: Call) -> object:
    body: SetIamPolicy = call.body
    policy = body.policy or Policy()
    found = iam.set_bucket_policy(
        call.repo,
        call.scope,
        resource_name=body.resource_name or "",
        expected_etag=policy.etag or "",
        bindings=[
            (
                binding.role_id or "",
                [(m.member_id or "", m.member_type or "") for m in binding.members or []],
            )
            for binding in policy.bindings or []
        ],
        now=call.now,
    )
    return _policy(found)


def batch_get_principals(call: Call) -> object:
    ids = call.request.query_params.getlist("principal_ids")
    found = iam.principals(call.repo, call.actor, call.scope, ids)
    return {
        "principals": [
            {
                "id": row.id,
                "name": row.name,
                "type": "PRINCIPAL_TYPE_SERVICE",
                "service": {
                    "id": row.id,
                    "name": row.name,
                    "organization_id": row.organization_id,
                    **({"project_id": row.project_id} if row.project_id else {}),
                    "created_at": rfc3339(row.created_at),
                },
            }
            for row in found
        ]
    }


ROUTES = [
    Route(
        "GET",
        POLICY_PATH,
        get_iam_policy,
        Role.VIEWER,
        "GetIamPolicy",
        scoped=False,
        target=_queried,
    ),
    Route(
        "PUT",
        POLICY_PATH,
        set_iam_policy,
        Role.ADMIN,
        "SetIamPolicy",
        SetIamPolicy,
        scoped=False,
        target=_sent,
    ),
    Route("GET", PRINCIPALS_PATH, batch_get_principals, Role.VIEWER, "BatchGetPrincipals"),
    *workload_identity.ROUTES,
]
