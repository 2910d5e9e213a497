"""Bucket IAM policies (what hcp_packer_bucket_iam_policy / _binding call) and the roles they
grant: a principal may do on one bucket what the role granted there allows, and no more
anywhere else."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import error, push
from tests.api.test_v2023 import push2023
from tests.support.server import ApiClient, LiveServer, Principal

POLICY = "/2019-12-10/resource-manager/resources/iam-policy"


def resource_name(api: ApiClient, bucket: str) -> str:
    return f"packer/project/{api.server.project_id}/bucket/{bucket}"


def get_policy(api: ApiClient, bucket: str) -> dict[str, Any]:
    response = api.get(POLICY, params={"resource_name": resource_name(api, bucket)})
    assert response.status_code == 200, response.text
    policy: dict[str, Any] = response.json()["policy"]
    return policy


def set_policy(
    api: ApiClient, bucket: str, bindings: dict[str, list[str]], *, etag: str | None = None
) -> Any:
    """SetIamPolicy with the current etag unless one is given; answers the response."""
    if etag is None:
        etag = get_policy(api, bucket).get("etag", "")
    return api.put(
        POLICY,
        json={
            "resource_name": resource_name(api, bucket),
            "policy": {
                "etag": etag,
                "bindings": [
                    {
                        "role_id": role,
                        "members": [
                            {"member_id": member, "member_type": "SERVICE_PRINCIPAL"}
                            for member in members
                        ],
                    }
                    for role, members in bindings.items()
                ],
            },
        },
    )


def granted(live_server: LiveServer, admin: ApiClient, bucket: str, role: str) -> ApiClient:
    """A new viewer principal holding `role` on `bucket`, and its client."""
    principal = live_server.principal("viewer")
    assert principal.principal_id
    current = get_policy(admin, bucket)
    bindings = {
        binding["role_id"]: [member["member_id"] for member in binding["members"]]
        for binding in current["bindings"]
    }
    bindings.setdefault(role, []).append(principal.principal_id)
    response = set_policy(admin, bucket, bindings, etag=current.get("etag", ""))
    assert response.status_code == 200, response.text
    return live_server.api(principal=principal)


def _members(policy: dict[str, Any]) -> dict[str, set[str]]:
    return {
        binding["role_id"]: {member["member_id"] for member in binding["members"]}
        for binding in policy["bindings"]
    }


def test_policy_starts_empty_and_is_replaced_whole_under_its_etag(live_server, admin, name):
    admin.put(admin.v2 + "/buckets", json={"name": name})
    assert get_policy(admin, name) == {"bindings": []}  # no policy: no etag either
    one, two = live_server.principal("viewer"), live_server.principal("contributor")
    first = set_policy(admin, name, {"roles/contributor": [one.principal_id]}, etag="")
    assert first.status_code == 200, first.text
    policy = first.json()["policy"]
    assert _members(policy) == {"roles/contributor": {one.principal_id}}
    assert policy["bindings"][0]["members"][0]["member_type"] == "SERVICE_PRINCIPAL"
    assert policy["etag"] and get_policy(admin, name) == policy
    # A writer that read the policy before it changed is refused, and changes nothing.
    stale = set_policy(admin, name, {"roles/admin": [two.principal_id]}, etag="")
    error(stale, 409, 10)
    assert get_policy(admin, name) == policy
    replaced = set_policy(
        admin,
        name,
        {"roles/admin": [two.principal_id], "roles/viewer": [one.principal_id]},
        etag=policy["etag"],
    )
    assert replaced.status_code == 200, replaced.text
    assert _members(replaced.json()["policy"]) == {
        "roles/admin": {two.principal_id},
        "roles/viewer": {one.principal_id},
    }
    assert replaced.json()["policy"]["etag"] != policy["etag"]
    emptied = set_policy(admin, name, {})
    assert emptied.status_code == 200 and emptied.json()["policy"] == {"bindings": []}


def test_viewer_granted_contributor_on_one_bucket_pushes_there_only(live_server, admin, name):
    other = f"{name}-other"
    push2023(admin, other, "fp-admin")
    admin.put(admin.v2 + "/buckets", json={"name": name})
    viewer = granted(live_server, admin, name, "roles/contributor")
    # Both planes' whole push sequences work on the granted bucket (the 2021 one names it in
    # a body and reaches builds and iterations by id alone)...
    assert push2023(viewer, name, "fp-1")["name"] == "v1"
    assert push(viewer, name, "fp-2")["incremental_version"] == 2
    channel = viewer.post(viewer.v2 + f"/buckets/{name}/channels", json={"name": "prod"})
    assert channel.status_code == 200, channel.text
    # ...and nothing beyond it: no other bucket, no new bucket, no admin-only call there.
    before = admin.get(admin.v2 + f"/buckets/{other}/versions").json()
    error(viewer.post(viewer.v2 + f"/buckets/{other}/versions", json={"fingerprint": "x"}), 403, 7)
    error(viewer.post(viewer.v1 + f"/images/{other}/iterations", json={"fingerprint": "x"}), 403, 7)
    build = admin.get(admin.v2 + f"/buckets/{other}/versions/fp-admin").json()["version"]
    build_id = build["builds"][0]["id"]
    error(viewer.patch(viewer.v1 + f"/builds/{build_id}", json={"updates": {}}), 403, 7)
    error(viewer.delete(viewer.v1 + f"/iterations/{build['id']}"), 403, 7)
    error(viewer.put(viewer.v2 + "/buckets", json={"name": f"{name}-new"}), 403, 7)
    error(viewer.put(viewer.v1 + "/images", json={"bucket_slug": f"{name}-new"}), 403, 7)
    error(viewer.delete(viewer.v2 + f"/buckets/{name}"), 403, 7)
    error(set_policy(viewer, name, {}), 403, 7)
    assert admin.get(admin.v2 + f"/buckets/{other}/versions").json() == before
    error(admin.get(admin.v2 + f"/buckets/{name}-new"), 404, 5)
    # Packer 1.9 creates the bucket first: on the granted one that is "already exists".
    error(viewer.put(viewer.v1 + "/images", json={"bucket_slug": name}), 409, 6)


def test_taking_the_grant_away_or_deleting_the_bucket_ends_it(live_server, admin, name):
    admin.put(admin.v2 + "/buckets", json={"name": name})
    viewer = granted(live_server, admin, name, "roles/contributor")
    assert viewer.post(viewer.v2 + f"/buckets/{name}/channels", json={"name": "a"}).is_success
    assert set_policy(admin, name, {}).status_code == 200
    error(viewer.post(viewer.v2 + f"/buckets/{name}/channels", json={"name": "b"}), 403, 7)
    viewer = granted(live_server, admin, name, "roles/contributor")
    assert admin.delete(admin.v2 + f"/buckets/{name}").status_code == 200
    admin.put(admin.v2 + "/buckets", json={"name": name})  # the same name, a new bucket
    assert get_policy(admin, name) == {"bindings": []}
    error(viewer.post(viewer.v2 + f"/buckets/{name}/channels", json={"name": "c"}), 403, 7)


def test_admin_granted_on_a_bucket_manages_it_and_its_policy(live_server, admin, name):
    push2023(admin, name, "fp-1")
    contributor = live_server.principal("contributor")
    api = live_server.api(principal=contributor)
    error(set_policy(api, name, {}), 403, 7)
    bucket_admin = granted(live_server, admin, name, "roles/admin")
    # the grant may name the principal more than once; the highest role counts
    ok = set_policy(
        bucket_admin,
        name,
        {
            "roles/admin": [_principal_of(admin, name, "roles/admin")],
            "roles/viewer": [_principal_of(admin, name, "roles/admin")],
        },
    )
    assert ok.status_code == 200, ok.text
    assert bucket_admin.delete(bucket_admin.v2 + f"/buckets/{name}").status_code == 200
    error(bucket_admin.delete(bucket_admin.v2 + "/registry"), 403, 7)


def _principal_of(admin: ApiClient, bucket: str, role: str) -> str:
    return sorted(_members(get_policy(admin, bucket))[role])[0]


def test_restricted_channels_show_to_a_viewer_granted_contributor(live_server, admin, name):
    push2023(admin, name, "fp-1")
    created = admin.post(
        admin.v2 + f"/buckets/{name}/channels",
        json={"name": "locked", "restricted": True, "version_fingerprint": "fp-1"},
    )
    assert created.status_code == 200, created.text
    path = f"/buckets/{name}/channels/locked"
    plain = live_server.api("viewer")
    error(plain.get(plain.v2 + path), 404, 5)
    viewer = granted(live_server, admin, name, "roles/contributor")
    for _ in range(2):  # the second read would be the cached one
        assert viewer.get(viewer.v2 + path).json()["channel"]["restricted"] is True
        assert viewer.get(viewer.v1 + f"/images/{name}/channels/locked").status_code == 200
    error(plain.get(plain.v2 + path), 404, 5)


def test_bad_policies_are_refused_and_change_nothing(live_server, admin, name):
    admin.put(admin.v2 + "/buckets", json={"name": name})
    one = live_server.principal("viewer")
    assert set_policy(admin, name, {"roles/viewer": [one.principal_id]}).status_code == 200
    policy = get_policy(admin, name)
    for bindings in (
        {"roles/owner": [one.principal_id]},
        {"roles/secrets.app-manager": [one.principal_id]},
        {"roles/contributor": ["01NOSUCHPRINCIPAL000000000"]},
        {"roles/contributor": [""]},
    ):
        error(set_policy(admin, name, bindings), 400, 3)
    user = admin.put(
        POLICY,
        json={
            "resource_name": resource_name(admin, name),
            "policy": {
                "etag": policy["etag"],
                "bindings": [
                    {
                        "role_id": "roles/admin",
                        "members": [{"member_id": one.principal_id, "member_type": "USER"}],
                    }
                ],
            },
        },
    )
    error(user, 400, 3)
    for bad in ("", "packer/project/x", f"packer/project/{admin.server.project_id}/bucket/"):
        error(admin.get(POLICY, params={"resource_name": bad}), 400, 3)
        error(admin.put(POLICY, json={"resource_name": bad, "policy": {}}), 400, 3)
    error(admin.get(POLICY), 400, 3)
    error(admin.get(POLICY, params={"resource_name": resource_name(admin, f"{name}-no")}), 404, 5)
    foreign = f"packer/project/00000000-0000-4000-8000-000000000000/bucket/{name}"
    error(admin.get(POLICY, params={"resource_name": foreign}), 404, 5)
    error(admin.put(POLICY, json={"resource_name": foreign, "policy": {}}), 404, 5)
    assert get_policy(admin, name) == policy


def test_a_principal_of_another_project_cannot_be_granted(live_server, admin, name):
    from tests.api.tenants import new_tenant

    tenant = new_tenant(live_server)
    tenant.clients["viewer"] = tenant.client("viewer")
    admin.put(admin.v2 + "/buckets", json={"name": name})
    refused = set_policy(admin, name, {"roles/admin": [tenant.principal_ids["viewer"]]})
    error(refused, 400, 3)
    assert get_policy(admin, name) == {"bindings": []}


def test_batch_get_principals_answers_what_the_caller_may_see(live_server, admin):
    from tests.api.tenants import new_tenant

    one = live_server.principal("viewer", project=live_server.project_id)
    path = f"/iam/2019-12-10/organizations/{live_server.org_id}/principals"
    response = admin.get(path, params={"principal_ids": [one.principal_id], "view": "BASIC"})
    assert response.status_code == 200, response.text
    (found,) = response.json()["principals"]
    assert found["id"] == one.principal_id and found["name"] == one.name
    assert found["type"] == "PRINCIPAL_TYPE_SERVICE"
    error(admin.get(path, params={"principal_ids": ["01NOSUCHPRINCIPAL000000000"]}), 404, 5)
    error(admin.get(path), 400, 3)
    # A project's own principal does not see another project's.
    tenant = new_tenant(live_server)
    bound = tenant.client("viewer")
    error(bound.get(path, params={"principal_ids": [one.principal_id]}), 404, 5)
    other = f"/iam/2019-12-10/organizations/{tenant.organization_id}x/principals"
    error(admin.get(other, params={"principal_ids": [one.principal_id]}), 404, 5)


def test_the_cli_shows_the_principal_id_a_policy_names(live_server):
    made: Principal = live_server.principal("viewer")
    listed = json.loads(live_server.cli("principal", "list", "--json").stdout)
    assert {"name": made.name, "principal_id": made.principal_id}.items() <= next(
        item for item in listed if item["name"] == made.name
    ).items()
