"""Terraform with provider v0.114.0 and workload identity federation, end to end.

* The provider signs in with `workload_identity { resource_name, token_file }` and no client
  id or secret, and its data sources read what the registry holds.
* An `hcp_iam_workload_identity_provider` is applied, planned with no changes, imported by
  its resource name (the provider's importer), planned again with no changes, and destroyed.

Behaviour quoted from the provider's source (internal/provider/iam/
resource_workload_identity_provider.go @v0.114.0): Create posts to the service principal's
`workload-identity-providers`; Read gets the provider's resource name and splits it in 7 parts
(name, service principal); Update patches conditional_access, description and the whole
oidc_config, with no update_mask; Delete deletes the resource name; import passes the
resource name through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_terraform import make_channel, publish, unique
from tests.support.clients import HCP_PROVIDER_NEWEST_VERSION, hcp_provider_release, terraform
from tests.support.oidc import Issuer, running_issuer, trusting_server
from tests.support.server import LiveServer
from tests.support.terraform import WorkspaceFor, workspaces

pytestmark = pytest.mark.e2e

CONDITION = 'jwt_claims.repository == "acme/app"'


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issuer]:
    with running_issuer(tmp_path_factory.mktemp("issuer")) as found:
        yield found


@pytest.fixture(scope="module")
def server(issuer: Issuer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with trusting_server(tmp_path_factory.mktemp("wif-terraform"), issuer) as live:
        yield live


@pytest.fixture
def workspace_for(server: LiveServer, tmp_path: Path) -> Iterator[WorkspaceFor]:
    provider_dir = hcp_provider_release(HCP_PROVIDER_NEWEST_VERSION).parent
    with workspaces(server, terraform(), provider_dir, tmp_path) as make:
        yield make


def _providers_path(server: LiveServer, principal: str) -> str:
    return f"/2019-12-10/iam/project/{server.project_id}/service-principal/{principal}"


def test_data_sources_read_with_workload_identity_alone(
    server: LiveServer, issuer: Issuer, workspace_for: WorkspaceFor, tmp_path: Path
) -> None:
    admin = server.api("admin")
    bucket = unique("wif")
    version = publish(admin, bucket, f"{bucket}-fp1")
    make_channel(admin, bucket, "production", version["fingerprint"])
    principal = server.principal("viewer", project=server.project_id)
    created = admin.post(
        _providers_path(server, principal.name) + "/workload-identity-providers",
        json={
            "name": "terraform-ci",
            "provider": {
                "oidc_config": {"issuer_uri": issuer.url},
                "conditional_access": CONDITION,
            },
        },
    )
    assert created.status_code == 200, created.text
    resource_name = created.json()["provider"]["resource_name"]
    token_file = tmp_path / "ci-token"
    token_file.write_text(issuer.token(issuer.claims(resource_name)))

    ws = workspace_for(server.principal("viewer"))
    del ws.env["HCP_CLIENT_ID"], ws.env["HCP_CLIENT_SECRET"]
    ws.write(
        f"""
        provider "hcp" {{
          workload_identity {{
            resource_name = "{resource_name}"
            token_file    = "{token_file}"
          }}
        }}
        data "hcp_packer_version" "production" {{
          bucket_name  = "{bucket}"
          channel_name = "production"
        }}
        data "hcp_packer_artifact" "aws" {{
          bucket_name  = "{bucket}"
          channel_name = "production"
          platform     = "aws"
          region       = "us-east-1"
        }}
        output "version_id" {{ value = data.hcp_packer_version.production.id }}
        output "external_identifier" {{ value = data.hcp_packer_artifact.aws.external_identifier }}
        """
    )
    ws.apply()
    out = ws.outputs()
    assert out["version_id"] == version["id"]
    assert out["external_identifier"] == f"aws-{version['fingerprint']}"
    requests = server.log_text()
    assert f"/2019-12-10/{resource_name}/exchange-token" in requests
    ws.assert_no_changes()
    ws.destroy()


def test_workload_identity_provider_resource_is_applied_imported_and_destroyed(
    server: LiveServer, issuer: Issuer, workspace_for: WorkspaceFor
) -> None:
    admin = server.api("admin")
    principal = server.principal("contributor", project=server.project_id)
    service_principal = f"iam/project/{server.project_id}/service-principal/{principal.name}"
    ws = workspace_for(server.principal("admin"))
    config = f"""
        resource "hcp_iam_workload_identity_provider" "ci" {{
          name              = "github-actions"
          service_principal = "{service_principal}"
          description       = "acme/app's CI"
          conditional_access = {json.dumps(CONDITION)}
          oidc = {{
            issuer_uri        = "{issuer.url}"
            allowed_audiences = ["packyard-ci"]
          }}
        }}
        output "resource_name" {{ value = hcp_iam_workload_identity_provider.ci.resource_name }}
        """
    ws.write(config)
    ws.apply()
    name = ws.outputs()["resource_name"]
    assert name == service_principal + "/workload-identity-provider/github-actions"
    held = admin.get(f"/2019-12-10/{name}").json()["provider"]
    assert held["conditional_access"] == CONDITION
    assert held["description"] == "acme/app's CI"
    assert held["oidc_config"] == {"issuer_uri": issuer.url, "allowed_audiences": ["packyard-ci"]}
    ws.assert_no_changes()

    ws.ok("state", "rm", "hcp_iam_workload_identity_provider.ci")
    ws.import_("hcp_iam_workload_identity_provider.ci", name)
    ws.assert_no_changes()

    ws.destroy()
    assert admin.get(f"/2019-12-10/{name}").status_code == 404
