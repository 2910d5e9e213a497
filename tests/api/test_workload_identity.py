"""Workload identity federation against a live server and a live OIDC issuer (HTTPS on
loopback, keys made for this run): providers on a project's service principal are created,
read, listed, changed and deleted through IAM 2019-12-10; a CI token the provider accepts is
exchanged for the principal's own access token; every other token is refused, saying why;
refusals are throttled and exchanges audited.

A server of its own: it must trust the issuer's CA and may reach the issuer on 127.0.0.1.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from tests.support.oidc import Issuer, running_issuer, trusting_server
from tests.support.postgres import PostgresCluster
from tests.support.server import ApiClient, LiveServer, Principal

CONDITION = 'jwt_claims.repository == "acme/app" and jwt_claims.ref matches "^refs/heads/main$"'
PER_PROVIDER_ADDRESS = 12


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    with running_issuer(tmp_path_factory.mktemp("issuer")) as found:
        yield found


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, issuer: Issuer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    database = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database()
    limits = {
        "PACKYARD_LOGIN_FAILURES_PER_CLIENT_ADDRESS": str(PER_PROVIDER_ADDRESS),
        "PACKYARD_LOGIN_FAILURES_PER_ADDRESS": "1000",
        "PACKYARD_LOGIN_FAILURES_PER_CLIENT": "1000",
    }
    root = tmp_path_factory.mktemp(f"wif-{request.param}")
    with trusting_server(root, issuer, database=database, env=limits) as live:
        yield live


@pytest.fixture(scope="module")
def admin(server: LiveServer) -> ApiClient:
    return server.api("admin")


def _principal_path(server: LiveServer, principal: Principal) -> str:
    return f"/2019-12-10/iam/project/{server.project_id}/service-principal/{principal.name}"


def _providers_path(server: LiveServer, principal: Principal) -> str:
    return _principal_path(server, principal) + "/workload-identity-providers"


def _create(
    admin: ApiClient,
    principal: Principal,
    name: str,
    issuer: Issuer,
    *,
    condition: str = CONDITION,
    audiences: list[str] | None = None,
) -> httpx.Response:
    body: dict[str, Any] = {
        "name": name,
        "provider": {
            "oidc_config": {"issuer_uri": issuer.url, "allowed_audiences": audiences or []},
            "conditional_access": condition,
            "description": "CI of acme/app",
        },
    }
    return admin.post(
        _principal_path(admin.server, principal) + "/workload-identity-providers", json=body
    )


def _provider(admin: ApiClient, issuer: Issuer, name: str, role: str = "contributor") -> str:
    """A new project-level principal with one provider; its resource name."""
    principal = admin.server.principal(role, project=admin.server.project_id)
    created = _create(admin, principal, name, issuer)
    assert created.status_code == 200, created.text
    return str(created.json()["provider"]["resource_name"])


def _exchange(server: LiveServer, resource_name: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/2019-12-10/{resource_name}/exchange-token",
        json={"jwt_token": token},
        verify=server.tls(),
    )


def test_providers_are_created_read_listed_changed_and_deleted(
    server: LiveServer, admin: ApiClient, issuer: Issuer
) -> None:
    principal = server.principal("contributor", project=server.project_id)
    base = _principal_path(server, principal)
    created = _create(admin, principal, "github-main", issuer, audiences=["packyard"])
    assert created.status_code == 200, created.text
    provider = created.json()["provider"]
    name = f"iam/project/{server.project_id}/service-principal/{principal.name}"
    assert provider["resource_name"] == name + "/workload-identity-provider/github-main"
    assert provider["oidc_config"] == {"issuer_uri": issuer.url, "allowed_audiences": ["packyard"]}
    assert provider["conditional_access"] == CONDITION
    assert provider["description"] == "CI of acme/app"
    assert provider["resource_id"] and provider["created_at"] and provider["updated_at"]

    one = base + "/workload-identity-provider/github-main"
    assert admin.get(one).json() == {"provider": provider}
    listed = admin.get(base + "/workload-identity-providers").json()
    assert listed["providers"] == [provider]

    assert _create(admin, principal, "github-main", issuer).status_code == 409

    changed = admin.patch(
        one,
        params={"update_mask": "conditional_access"},
        json={"conditional_access": 'jwt_claims.repository == "acme/other"', "description": "x"},
    )
    assert changed.status_code == 200, changed.text
    assert (
        changed.json()["provider"]["conditional_access"] == 'jwt_claims.repository == "acme/other"'
    )
    assert changed.json()["provider"]["description"] == "CI of acme/app"  # not in the mask
    bad_mask = admin.patch(one, params={"update_mask": "oidc_config.issuer_uri"}, json={})
    assert bad_mask.status_code == 400
    # without a mask, the fields given change and the others stay
    given = admin.patch(one, json={"oidc_config": {"allowed_audiences": ["a", "b"]}})
    assert given.status_code == 200, given.text
    assert given.json()["provider"]["oidc_config"]["allowed_audiences"] == ["a", "b"]
    assert given.json()["provider"]["description"] == "CI of acme/app"
    moved = admin.patch(one, json={"oidc_config": {"issuer_uri": "https://elsewhere.example"}})
    assert moved.status_code == 400
    assert "cannot change" in moved.json()["message"]

    viewer = server.api("viewer")
    assert viewer.get(one).status_code == 200
    assert viewer.delete(one).status_code == 403

    deleted = admin.delete(one)
    assert deleted.status_code == 200
    assert deleted.json()["resource_name"] == provider["resource_name"]
    assert admin.get(one).status_code == 404
    assert admin.get(base + "/workload-identity-providers").json()["providers"] == []


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"condition": 'jwt_claims.repository = "x"'}, "conditional_access"),
        ({"condition": ""}, "conditional_access is required"),
        ({"issuer_uri": "http://127.0.0.1:1"}, "https"),
        ({"name": "Not_A_Name"}, "not a provider name"),
        ({"name": "ci\x1b[31m"}, "not a provider name"),
        ({"name": "ci/main"}, "not a provider name"),
        ({"name": ".."}, "not a provider name"),
        ({"name": "c" * 37}, "not a provider name"),
    ],
)
def test_a_provider_that_cannot_work_is_refused(
    server: LiveServer, admin: ApiClient, issuer: Issuer, change: dict[str, str], says: str
) -> None:
    principal = server.principal("contributor", project=server.project_id)
    body = {
        "name": change.get("name", "ci-main"),
        "provider": {
            "oidc_config": {"issuer_uri": change.get("issuer_uri", issuer.url)},
            "conditional_access": change.get("condition", CONDITION),
        },
    }
    answer = admin.post(
        _principal_path(server, principal) + "/workload-identity-providers", json=body
    )
    assert answer.status_code == 400
    assert says in answer.json()["message"]


def test_only_a_principal_of_the_addressed_project_has_providers(
    server: LiveServer, admin: ApiClient, issuer: Issuer
) -> None:
    organization_wide = server.principal("contributor")
    assert _create(admin, organization_wide, "ci-main", issuer).status_code == 404
    assert (
        admin.get(
            _principal_path(server, organization_wide) + "/workload-identity-providers"
        ).status_code
        == 404
    )


def test_an_accepted_token_gets_the_principals_own_access_token(
    server: LiveServer, admin: ApiClient, issuer: Issuer
) -> None:
    resource_name = _provider(admin, issuer, "accepts")
    token = issuer.token(issuer.claims(resource_name))
    answer = _exchange(server, resource_name, token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["expires_in"] > 0
    exchanged = ApiClient(server, body["access_token"])
    # the principal's own rights: a contributor of the project writes, and may not delete
    created = exchanged.put(exchanged.v1 + "/images", json={"bucket_slug": "from-ci"})
    assert created.status_code == 200, created.text
    assert exchanged.delete(exchanged.v1 + "/images/from-ci").status_code == 403
    # an ES256 key of the issuer's serves as well
    es = issuer.token(issuer.claims(resource_name), kid="ec-1", alg="ES256")
    assert _exchange(server, resource_name, es).status_code == 200

    events = json.loads(server.cli("audit", "--json").stdout)
    exchanges = [e for e in events if e["operation"] == "ExchangeWorkloadIdentityToken"]
    assert exchanges and exchanges[-1]["resource"].endswith("/accepts/exchange-token")
    assert exchanges[-1]["organization_id"] == server.org_id
    assert exchanges[-1]["project_id"] == server.project_id


def _forged_none(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': 'rsa-1'})}.{part(claims)}."


def _hs256_with_public_key(issuer: Issuer, claims: dict[str, Any]) -> str:
    public = issuer.rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}
    signing = jwt.api_jws.PyJWS(algorithms=["HS256"])
    signing._algorithms["HS256"].prepare_key = lambda key: key  # type: ignore[method-assign]
    return signing.encode(json.dumps(claims).encode(), public, algorithm="HS256", headers=header)


REFUSALS: dict[str, tuple[int, str]] = {
    "another repository": (403, "do not satisfy"),
    "a claim the condition names is missing": (403, "no claim jwt_claims.ref"),
    "the wrong audience": (401, "audience"),
    "the wrong issuer": (401, "issuer"),
    "expired": (401, "expired"),
    "not valid yet": (401, "not valid yet"),
    "alg none": (401, "'none' is not accepted"),
    "HS256 signed with the public key": (401, "'HS256' is not accepted"),
    "an unknown kid": (401, "no key 'rsa-2'"),
    "a key of another issuer": (401, "signature"),
    "not a JWT": (401, "not a JWT"),
}


def _refused_token(case: str, issuer: Issuer, resource_name: str) -> str:
    claims = issuer.claims(resource_name)
    if case == "another repository":
        return issuer.token({**claims, "repository": "evil/app"})
    if case == "a claim the condition names is missing":
        return issuer.token({k: v for k, v in claims.items() if k != "ref"})
    if case == "the wrong audience":
        return issuer.token({**claims, "aud": "https://api.hashicorp.cloud"})
    if case == "the wrong issuer":
        return issuer.token({**claims, "iss": "https://token.actions.githubusercontent.com"})
    if case == "expired":
        now = int(time.time())
        return issuer.token({**claims, "iat": now - 900, "nbf": now - 900, "exp": now - 600})
    if case == "not valid yet":
        now = int(time.time())
        return issuer.token({**claims, "iat": now + 600, "nbf": now + 600, "exp": now + 900})
    if case == "alg none":
        return _forged_none(claims)
    if case == "HS256 signed with the public key":
        return _hs256_with_public_key(issuer, claims)
    if case == "an unknown kid":
        return issuer.token(claims, kid="rsa-2")
    if case == "a key of another issuer":
        other = Issuer(issuer.url, issuer.ca_file)
        return other.token(claims)
    return "not-a-jwt"


@pytest.mark.parametrize("case", REFUSALS)
def test_tokens_the_provider_does_not_accept_are_refused_saying_why(
    server: LiveServer, admin: ApiClient, issuer: Issuer, case: str
) -> None:
    resource_name = _provider(admin, issuer, "refuses")
    answer = _exchange(server, resource_name, _refused_token(case, issuer, resource_name))
    status, says = REFUSALS[case]
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == (7 if status == 403 else 16)
    assert says in body["message"]
    assert "access_token" not in body


def test_a_provider_that_does_not_exist_is_refused(server: LiveServer, issuer: Issuer) -> None:
    name = f"iam/project/{server.project_id}/service-principal/nobody/workload-identity-provider/x"
    answer = _exchange(server, name, issuer.token(issuer.claims(name)))
    assert answer.status_code == 401
    assert "not found" in answer.json()["message"]


def test_refusals_are_throttled_per_provider_and_address(
    server: LiveServer, admin: ApiClient, issuer: Issuer
) -> None:
    resource_name = _provider(admin, issuer, "throttles")
    other = _provider(admin, issuer, "unthrottled")
    wrong = issuer.token({**issuer.claims(resource_name), "repository": "evil/app"})
    for _ in range(PER_PROVIDER_ADDRESS):
        assert _exchange(server, resource_name, wrong).status_code == 403
    throttled = _exchange(server, resource_name, issuer.token(issuer.claims(resource_name)))
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0
    # another provider from the same address is not held up
    assert _exchange(server, other, issuer.token(issuer.claims(other))).status_code == 200
    events = json.loads(server.cli("audit", "--json").stdout)
    refused = [e for e in events if e["operation"] == "ExchangeWorkloadIdentityTokenRefused"]
    assert any(e["resource"].endswith("/throttles/exchange-token") for e in refused)


def test_a_principal_deleted_takes_its_providers_with_it(
    server: LiveServer, admin: ApiClient, issuer: Issuer, tmp_path: Path
) -> None:
    resource_name = _provider(admin, issuer, "goes")
    principal_name = resource_name.split("/")[4]
    server.cli("principal", "delete", principal_name)
    answer = _exchange(server, resource_name, issuer.token(issuer.claims(resource_name)))
    assert answer.status_code == 401
    # a new principal of the same name does not inherit the old one's trust
    server.principal("admin", name=principal_name, project=server.project_id)
    assert admin.get(f"/2019-12-10/{resource_name}").status_code == 404
    answer = _exchange(server, resource_name, issuer.token(issuer.claims(resource_name)))
    assert answer.status_code == 401


def test_the_console_creates_lists_shows_tests_and_deletes_providers(
    server: LiveServer, admin: ApiClient, issuer: Issuer, tmp_path: Path
) -> None:
    principal = server.principal("contributor", project=server.project_id)
    created = server.cli(
        "wip", "create", principal.name, "gitlab-main", "--issuer", issuer.url,
        "--condition", CONDITION, "--audience", "packyard", "--json",
    )  # fmt: skip
    shown = json.loads(created.stdout)
    resource_name = shown["resource_name"]
    assert resource_name.endswith(f"/{principal.name}/workload-identity-provider/gitlab-main")
    assert shown["allowed_audiences"] == ["packyard"]
    # the API sees what the console made, and the console what the API holds
    assert admin.get(f"/2019-12-10/{resource_name}").json()["provider"]["conditional_access"] == (
        CONDITION
    )
    listed = json.loads(server.cli("wip", "ls", principal.name, "--json").stdout)
    assert [item["resource_name"] for item in listed] == [resource_name]
    assert json.loads(server.cli("wip", "show", principal.name, "gitlab-main", "--json").stdout)[
        "issuer_uri"
    ] == (issuer.url)

    good, bad = tmp_path / "good.jwt", tmp_path / "bad.jwt"
    good.write_text(issuer.token(issuer.claims("packyard")))
    bad.write_text(issuer.token({**issuer.claims("packyard"), "repository": "evil/app"}))
    admitted = server.cli("wip", "test", principal.name, "gitlab-main", "--jwt", str(good))
    assert '"repository": "acme/app"' in admitted.stdout
    assert "condition: admits" in admitted.stdout
    refused = server.cli(
        "wip", "test", principal.name, "gitlab-main", "--jwt", str(bad), check=False
    )
    assert refused.returncode == 1
    assert "condition: refuses" in refused.stdout

    server.cli("wip", "delete", principal.name, "gitlab-main")
    assert admin.get(f"/2019-12-10/{resource_name}").status_code == 404
    events = json.loads(server.cli("audit", "--json").stdout)
    assert {"wip.create", "wip.delete"} <= {event["operation"] for event in events}
    missing = server.cli("wip", "show", principal.name, "gitlab-main", check=False)
    assert missing.returncode == 1 and "not found" in missing.stderr
