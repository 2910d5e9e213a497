"""The token endpoint, bearer tokens, roles and tenant isolation."""

from __future__ import annotations

import json
import time

import httpx
import jwt
import pytest

from tests.api.conftest import error
from tests.support.server import ApiClient, Principal, packyard

AUDIENCE = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}


def _token(server, data, auth=None):
    return httpx.post(server.base_url + "/oauth2/token", data=data, auth=auth, verify=server.tls())


def test_basic_and_form_credentials(live_server):
    principal = live_server.principal("viewer")
    basic = _token(live_server, AUDIENCE, auth=(principal.client_id, principal.client_secret))
    assert basic.status_code == 200, basic.text
    body = basic.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    form = _token(
        live_server,
        {**AUDIENCE, "client_id": principal.client_id, "client_secret": principal.client_secret},
    )
    assert form.status_code == 200
    claims = jwt.decode(form.json()["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 3600


def test_token_errors(live_server):
    principal = live_server.principal("viewer")
    wrong = _token(live_server, AUDIENCE, auth=(principal.client_id, "not-the-secret"))
    unknown = _token(live_server, AUDIENCE, auth=("nobody", "x"))
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"] == "invalid_client"
    grant = _token(live_server, {"grant_type": "password"}, auth=(principal.client_id, "x"))
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    audience = _token(
        live_server,
        {**AUDIENCE, "audience": "https://elsewhere"},
        auth=(principal.client_id, principal.client_secret),
    )
    assert audience.status_code == 400 and audience.json()["error"] == "invalid_request"
    missing = _token(live_server, {"grant_type": "client_credentials"})
    assert missing.status_code == 401


def _call(live_server, token):
    return ApiClient(live_server, token).get(ApiClient(live_server, None).v1 + "/images")


def test_bearer_required(live_server):
    error(_call(live_server, None), 401, 16)
    error(_call(live_server, "garbage"), 401, 16)
    other_key = jwt.encode(
        {
            "sub": "x",
            "gen": 1,
            "exp": time.time() + 60,
            "aud": "https://api.hashicorp.cloud",
            "iss": "packyard",
        },
        "another-key-entirely-of-some-length",
        algorithm="HS256",
    )
    error(_call(live_server, other_key), 401, 16)


def test_expired_token(live_server):
    principal = live_server.principal("viewer")
    token = live_server.token(principal)
    claims = jwt.decode(token, options={"verify_signature": False})
    key = live_server.signing_key()
    claims["exp"] = int(time.time()) - 5
    claims["iat"] = claims["exp"] - 3600
    expired = jwt.encode(claims, key, algorithm="HS256")
    body = error(_call(live_server, expired), 401, 16)
    assert "expired" in body["message"]


def test_rotation_and_deletion_revoke_access(live_server):
    principal = live_server.principal("viewer")
    token = live_server.token(principal)
    assert _call(live_server, token).status_code == 200
    rotated = json.loads(
        packyard(
            "principal",
            "rotate",
            principal.name,
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    error(_call(live_server, token), 401, 16)
    old = _token(live_server, AUDIENCE, auth=(principal.client_id, principal.client_secret))
    assert old.status_code == 401
    fresh = _token(live_server, AUDIENCE, auth=(principal.client_id, rotated["client_secret"]))
    assert fresh.status_code == 200
    packyard(
        "principal",
        "delete",
        principal.name,
        data_dir=live_server.data_dir,
        database=live_server.database,
    )
    error(_call(live_server, fresh.json()["access_token"]), 401, 16)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("viewer", set()), ("contributor", {"write"}), ("admin", {"write", "admin"})],
)
def test_roles(live_server, admin, role, allowed, name):
    api = live_server.api(role)
    assert api.get(api.v1 + "/images").status_code == 200
    write = api.put(api.v1 + "/images", json={"bucket_slug": name})
    if "write" in allowed:
        assert write.status_code == 200
    else:
        error(write, 403, 7)
        error(admin.get(admin.v1 + f"/images/{name}"), 404, 5)  # nothing written
        admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    delete = api.delete(api.v1 + f"/images/{name}")
    if "admin" in allowed:
        assert delete.status_code == 200
    else:
        error(delete, 403, 7)
    settings = api.patch(api.v1 + "/registry", json={"feature_tier": "PLUS"})
    if "admin" in allowed:
        assert settings.status_code == 200
    else:
        error(settings, 403, 7)


def test_other_tenants_are_not_found(live_server, admin, name):
    admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    other = json.loads(
        packyard(
            "project",
            "create",
            "elsewhere",
            "--new-organization",
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    created = json.loads(
        packyard(
            "principal",
            "create",
            f"outsider-{name}",
            "--role",
            "admin",
            "--json",
            "--organization",
            other["organization_id"],
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    outsider = live_server.api(
        principal=Principal("o", "admin", created["client_id"], created["client_secret"])
    )
    # Their own project works; ours answers as if it did not exist.
    theirs = (
        f"/packer/2021-04-30/organizations/{other['organization_id']}"
        f"/projects/{other['project_id']}/images"
    )
    assert outsider.get(theirs).json()["buckets"] == []
    error(outsider.get(outsider.v1 + f"/images/{name}"), 404, 5)
    error(outsider.get(outsider.v1 + "/images"), 404, 5)
    orgs = outsider.get("/resource-manager/2019-12-10/organizations").json()["organizations"]
    assert [o["id"] for o in orgs] == [other["organization_id"]]
    error(outsider.get(f"/resource-manager/2019-12-10/projects/{live_server.project_id}"), 404, 5)
    error(admin.get(theirs), 404, 5)


def test_a_project_is_not_reached_through_another_organization(live_server, admin, name):
    """An organization-wide key of one organization, with its own organization's id in the
    path beside another organization's project id, finds nothing there and writes nothing."""
    admin.put(admin.v2 + "/buckets", json={"name": name})
    other = json.loads(
        packyard(
            "project",
            "create",
            f"apart-{name}",
            "--new-organization",
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    created = json.loads(
        packyard(
            "principal",
            "create",
            f"apart-admin-{name}",
            "--role",
            "admin",
            "--json",
            "--organization",
            other["organization_id"],
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    outsider = live_server.api(
        principal=Principal("o", "admin", created["client_id"], created["client_secret"])
    )
    for plane in ("2021-04-30", "2023-01-01"):
        outsider.v1 = outsider.v2 = (
            f"/packer/{plane}/organizations/{other['organization_id']}"
            f"/projects/{live_server.project_id}"
        )
        listed = "/images" if plane == "2021-04-30" else "/buckets"
        for _ in range(2):  # the second read would be a cached one
            error(outsider.get(outsider.v2 + listed), 404, 5)
            error(outsider.get(outsider.v2 + f"{listed}/{name}"), 404, 5)
        error(outsider.get(outsider.v2 + "/registry"), 404, 5)
        error(outsider.delete(outsider.v2 + f"{listed}/{name}"), 404, 5)
        error(outsider.delete(outsider.v2 + "/registry"), 404, 5)
    assert admin.get(admin.v2 + f"/buckets/{name}").status_code == 200
    assert admin.get(admin.v2 + "/registry").json()["registry"]["config"]["activated"] is True


def test_project_scoped_principal(live_server, name):
    other = json.loads(
        packyard(
            "project",
            "create",
            f"second-{name}",
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    scoped = live_server.api(
        "contributor", principal=live_server.principal("contributor", project=other["project_id"])
    )
    error(scoped.get(scoped.v1 + "/images"), 404, 5)
    mine = (
        f"/packer/2021-04-30/organizations/{other['organization_id']}"
        f"/projects/{other['project_id']}"
    )
    assert scoped.put(mine + "/images", json={"bucket_slug": name}).status_code == 200
    projects = scoped.get(
        "/resource-manager/2019-12-10/projects",
        params={"scope.type": "ORGANIZATION", "scope.id": other["organization_id"]},
    ).json()["projects"]
    assert [p["id"] for p in projects] == [other["project_id"]]


def test_secrets_never_logged(live_server):
    principal = live_server.principal("viewer")
    token = live_server.token(principal)
    _call(live_server, token)
    log = live_server.log_text()
    assert "/oauth2/token" in log  # the requests were logged ...
    assert principal.client_secret not in log  # ... without their secrets
    assert token not in log
