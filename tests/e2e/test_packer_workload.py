"""Packer 1.16 pushes with no stored secret: only HCP_CRED_FILE is set, naming a credential
file of scheme `workload` (hcp-sdk-go's auth/workload) as `packyard ci cred-file` writes it,
whose source is a CI token in a file or in an environment variable (as GitLab CI hands it).
The SDK exchanges that token at the provider's `/2019-12-10/{provider}/exchange-token` for
the principal's access token, and Packer pushes with it as with a client id and secret.

The OIDC issuer is the tests' own, serving discovery and JWKS over HTTPS on loopback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_packer_19 import _requests
from tests.e2e.test_packer_current import (
    E2E23,
    assert_complete,
    build_two_sources,
    unique_bucket,
)
from tests.support.clients import packer_current
from tests.support.oidc import Issuer, running_issuer, trusting_server
from tests.support.server import PACKYARD, LiveServer

pytestmark = pytest.mark.e2e

CONDITION = 'jwt_claims.repository == "acme/app" and jwt_claims.ref == "refs/heads/main"'


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    with running_issuer(tmp_path_factory.mktemp("issuer")) as found:
        yield found


@pytest.fixture(scope="module")
def server(issuer: Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with trusting_server(tmp_path_factory.mktemp("wif-packer"), issuer) as live:
        yield live


@pytest.fixture(scope="module")
def provider(server: LiveServer, issuer: Issuer) -> str:
    """A contributor of the project trusting the issuer for acme/app's main branch."""
    principal = server.principal("contributor", project=server.project_id)
    admin = server.api("admin")
    created = admin.post(
        f"/2019-12-10/iam/project/{server.project_id}/service-principal/{principal.name}"
        "/workload-identity-providers",
        json={
            "name": "packer-ci",
            "provider": {
                "oidc_config": {"issuer_uri": issuer.url},
                "conditional_access": CONDITION,
            },
        },
    )
    assert created.status_code == 200, created.text
    return str(created.json()["provider"]["resource_name"])


def _workload_env(server: LiveServer, cred_file: Path) -> dict[str, str]:
    """The client environment with no client id or secret: only the credential file."""
    env = server.client_env("viewer")
    del env["HCP_CLIENT_ID"], env["HCP_CLIENT_SECRET"]
    env["HCP_CRED_FILE"] = str(cred_file)
    env["SWAGGER_DEBUG"] = "1"
    return env


@pytest.fixture(params=["file", "env"])
def e2e(
    request: pytest.FixtureRequest,
    server: LiveServer,
    issuer: Issuer,
    provider: str,
    tmp_path: Path,
) -> Iterator[E2E23]:
    token = issuer.token(issuer.claims(provider))
    cred_file = tmp_path / "cred_file.json"
    extra: dict[str, str] = {}
    if request.param == "file":
        token_file = tmp_path / "ci-token"
        token_file.write_text(token)
        source = ["--provider", "file", "--token-file", str(token_file)]
    else:  # as GitLab CI hands a job its token: in the variable its `id_tokens:` names
        source = ["--provider", "gitlab", "--variable", "CI_OIDC_TOKEN"]
        extra["CI_OIDC_TOKEN"] = token
    # the credential file as `packyard ci cred-file` writes it for a CI job
    subprocess.run(
        [*PACKYARD, "ci", "cred-file", "--resource-name", provider, *source, "-o", str(cred_file)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    written = json.loads(cred_file.read_text())
    assert written["scheme"] == "workload", written
    env = {**_workload_env(server, cred_file), **extra}
    yield E2E23(server, packer_current(), tmp_path, env, server.api("admin"))
    shutil.rmtree(env["HOME"], ignore_errors=True)


def test_packer_pushes_with_only_a_workload_credential_file(e2e: E2E23) -> None:
    assert not {"HCP_CLIENT_ID", "HCP_CLIENT_SECRET"} & set(e2e.env)
    bucket, fingerprint = unique_bucket("wif"), "fp-wif-1"
    build_two_sources(e2e, bucket, fingerprint)
    version = e2e.version(bucket, fingerprint)
    assert_complete(version, "v1", fingerprint)
    assert set(e2e.builds(bucket, fingerprint)) == {"null.a", "file.b"}
    exchanges = [
        (method, path, status)
        for method, path, status in _requests(e2e.runs[-1].server_lines)
        if path.endswith("/exchange-token")
    ]
    assert exchanges and all(status == 200 for _, _, status in exchanges), exchanges
    assert "/oauth2/token" not in {path for _, path, _ in _requests(e2e.runs[-1].server_lines)}
