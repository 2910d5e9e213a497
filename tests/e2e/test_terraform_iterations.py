"""Terraform 1.5.7 with provider v0.83.0 runs the iteration workflow of the 2021-04-30 API.

v0.83.0 is the last release of terraform-provider-hcp with the `hcp_packer_iteration` and
`hcp_packer_image` data sources (v0.84.0 removed them). The module proxy refuses it, so
tests.support.clients builds it from the tagged source in ../shared/clients/. Content is
seeded through the 2021-04-30 API the way Packer 1.9 pushes it.

What the provider's source (internal/providersdkv2/data_source_packer_{iteration,image}.go,
internal/clients/packerv1/packer.go) does, which the assertions rely on:

* hcp_packer_iteration calls GetChannel (`…/images/{bucket}/channels/{channel}`) and reads
  the channel's embedded iteration: its id (as `id` and `ulid`), fingerprint, author,
  bucket slug, created/updated times. It fails when the channel has no iteration.
* hcp_packer_image with `channel` calls GetChannel too; with `iteration_id` it calls
  GetIteration (`…/images/{bucket}/iteration?iteration_id=`). It picks the first build whose
  cloud_provider (and component_type, if given) match and that has an image in `region`.
* Both set `revoke_at` only when the iteration's revoke_at is not the zero time, so it is
  null for an iteration that is not revoked: a `precondition` on `revoke_at == null` stops
  the plan once the iteration is revoked.
* Times are rendered as strfmt's RFC 3339 with milliseconds, as the registry sends them.
* At configure time it checks status.hashicorp.com unless HCP_API_HOST names another host
  (tests.support.terraform.legacy_env).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import HCP_PROVIDER_OLDEST_VERSION, hcp_provider_release, terraform
from tests.support.server import ApiClient, LiveServer
from tests.support.terraform import WorkspaceFor, legacy_env, workspaces

pytestmark = pytest.mark.e2e

SOURCES = (
    ("amazon-ebs.web", "aws", "us-east-1"),
    ("googlecompute.web", "gce", "europe-west1-b"),
)


@pytest.fixture(scope="session")
def terraform_bin() -> Path:
    return terraform()


@pytest.fixture(scope="session")
def provider_dir() -> Path:
    return hcp_provider_release(HCP_PROVIDER_OLDEST_VERSION).parent


@pytest.fixture(scope="session")
def admin_api(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture
def workspace_for(
    live_server: LiveServer, terraform_bin: Path, provider_dir: Path, tmp_path: Path
) -> Iterator[WorkspaceFor]:
    with workspaces(
        live_server, terraform_bin, provider_dir, tmp_path, legacy_env(live_server)
    ) as make:
        yield make


# --------------------------------------------------------------------------- registry


def push(api: ApiClient, bucket: str, fingerprint: str) -> dict[str, Any]:
    """What Packer 1.9 does for a two-source build: bucket, iteration, builds, images."""
    created = api.put(api.v1 + "/images", json={"bucket_slug": bucket})
    assert created.status_code in (200, 409), created.text
    made = api.post(api.v1 + f"/images/{bucket}/iterations", json={"fingerprint": fingerprint})
    assert made.status_code == 200, made.text
    iteration_id = made.json()["iteration"]["id"]
    run_uuid = str(uuid.uuid4())
    build_ids = []
    for component, _, _ in SOURCES:  # Packer creates every build before running any
        build = api.post(
            api.v1 + f"/images/{bucket}/iterations/{iteration_id}",
            json={
                "build": {
                    "component_type": component,
                    "status": "UNSET",
                    "packer_run_uuid": run_uuid,
                },
                "fingerprint": fingerprint,
            },
        )
        assert build.status_code == 200, build.text
        build_ids.append(build.json()["build"]["id"])
    for build_id, (_, cloud, region) in zip(build_ids, SOURCES, strict=True):
        path = api.v1 + f"/builds/{build_id}"
        assert api.patch(path, json={"updates": {"status": "RUNNING"}}).status_code == 200
        done = api.patch(
            path,
            json={
                "updates": {
                    "status": "DONE",
                    "cloud_provider": cloud,
                    "images": [{"image_id": f"{cloud}-{fingerprint}", "region": region}],
                    "labels": {"os": "debian", "source": cloud},
                }
            },
        )
        assert done.status_code == 200, done.text
    return iteration(api, bucket, iteration_id)


def iteration(api: ApiClient, bucket: str, iteration_id: str) -> dict[str, Any]:
    got = api.get(api.v1 + f"/images/{bucket}/iteration", params={"iteration_id": iteration_id})
    assert got.status_code == 200, got.text
    found: dict[str, Any] = got.json()["iteration"]
    assert found["complete"] is True, found
    return found


def image(found: dict[str, Any], cloud: str) -> tuple[dict[str, Any], dict[str, Any]]:
    (build,) = [b for b in found["builds"] if b["cloud_provider"] == cloud]
    return build, build["images"][0]


def snapshot(api: ApiClient, bucket: str) -> dict[str, Any]:
    """The bucket's iterations and channels as the 2021-04-30 API lists them."""
    iterations = api.get(api.v1 + f"/images/{bucket}/iterations").json()["iterations"]
    channels = api.get(api.v1 + f"/images/{bucket}/channels").json()["channels"]
    return {
        "iterations": sorted(
            (it["id"], it["fingerprint"], it.get("revoke_at")) for it in iterations
        ),
        "channels": sorted((c["slug"], (c.get("iteration") or {}).get("id")) for c in channels),
    }


@dataclass
class Seed:
    bucket: str
    first: dict[str, Any]
    second: dict[str, Any]


@pytest.fixture
def seed(admin_api: ApiClient) -> Seed:
    """A bucket with two complete iterations; its `production` channel holds the first."""
    bucket = f"tf83-{uuid.uuid4().hex[:10]}"
    first = push(admin_api, bucket, f"{bucket}-fp1")
    second = push(admin_api, bucket, f"{bucket}-fp2")
    made = admin_api.post(
        admin_api.v1 + f"/images/{bucket}/channels",
        json={"slug": "production", "iteration_id": first["id"]},
    )
    assert made.status_code == 200, made.text
    return Seed(bucket, first, second)


def workflow(bucket: str, second_id: str) -> str:
    """The documents' workflow: the channel's iteration, its images by channel and by
    iteration id, and a resource that refuses a revoked iteration."""
    return f"""
    data "hcp_packer_iteration" "production" {{
      bucket_name = "{bucket}"
      channel     = "production"
    }}
    data "hcp_packer_image" "by_channel" {{
      bucket_name    = "{bucket}"
      channel        = "production"
      cloud_provider = "aws"
      region         = "us-east-1"
    }}
    data "hcp_packer_image" "by_iteration" {{
      bucket_name    = "{bucket}"
      iteration_id   = data.hcp_packer_iteration.production.ulid
      cloud_provider = "gce"
      region         = "europe-west1-b"
    }}
    data "hcp_packer_image" "second" {{
      bucket_name    = "{bucket}"
      iteration_id   = "{second_id}"
      cloud_provider = "aws"
      region         = "us-east-1"
      component_type = "amazon-ebs.web"
    }}
    resource "terraform_data" "web" {{
      input = data.hcp_packer_image.by_iteration.cloud_image_id
      lifecycle {{
        precondition {{
          condition     = data.hcp_packer_iteration.production.revoke_at == null
          error_message = "The production iteration is revoked."
        }}
      }}
    }}
    output "iteration" {{ value = data.hcp_packer_iteration.production }}
    output "by_channel" {{ value = data.hcp_packer_image.by_channel }}
    output "by_iteration" {{ value = data.hcp_packer_image.by_iteration }}
    output "second" {{ value = data.hcp_packer_image.second }}
    """


def expected_image(
    server: LiveServer, bucket: str, found: dict[str, Any], cloud: str, region: str
) -> dict[str, Any]:
    build, img = image(found, cloud)
    return {
        "bucket_name": bucket,
        "build_id": build["id"],
        "cloud_image_id": img["image_id"],
        "cloud_provider": cloud,
        "component_type": build["component_type"],
        "created_at": img["created_at"],
        "id": img["id"],
        "iteration_id": found["id"],
        "labels": build["labels"],
        "organization_id": server.org_id,
        "packer_run_uuid": build["packer_run_uuid"],
        "project_id": server.project_id,
        "region": region,
        "revoke_at": found.get("revoke_at"),
    }


# --------------------------------------------------------------------------- scenarios


def test_iteration_and_image_data_sources_read_what_the_registry_holds(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    ws = workspace_for(live_server.principal("viewer"))
    ws.write(workflow(seed.bucket, seed.second["id"]))
    before = snapshot(admin_api, seed.bucket)
    ws.apply()
    out = ws.outputs()
    first = seed.first
    assert out["iteration"] == {
        "author_id": first["author_id"],
        "bucket_name": seed.bucket,
        "channel": "production",
        "created_at": first["created_at"],
        "fingerprint": first["fingerprint"],
        "id": first["id"],
        "organization_id": live_server.org_id,
        "project_id": live_server.project_id,
        "revoke_at": None,
        "timeouts": None,
        "ulid": first["id"],
        "updated_at": first["updated_at"],
    }
    registry = admin_api.get(admin_api.v1 + f"/images/{seed.bucket}/channels/production")
    assert registry.json()["channel"]["iteration"] == first
    by_channel = expected_image(live_server, seed.bucket, first, "aws", "us-east-1")
    assert out["by_channel"] == {**by_channel, "channel": "production", "timeouts": None}
    by_iteration = expected_image(live_server, seed.bucket, first, "gce", "europe-west1-b")
    assert out["by_iteration"] == {**by_iteration, "channel": None, "timeouts": None}
    second = expected_image(live_server, seed.bucket, seed.second, "aws", "us-east-1")
    assert out["second"] == {**second, "channel": None, "timeouts": None}
    assert out["second"]["cloud_image_id"] == f"aws-{seed.bucket}-fp2"
    web = ws.resources()["terraform_data.web"]
    assert web["output"] == f"gce-{seed.bucket}-fp1"
    ws.assert_no_changes()
    ws.destroy()
    assert ws.resources() == {}
    assert snapshot(admin_api, seed.bucket) == before


def test_a_revoked_iteration_shows_revoke_at_and_its_precondition_stops_the_plan(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    ws = workspace_for(live_server.principal("viewer"))
    ws.write(workflow(seed.bucket, seed.second["id"]))
    ws.apply()
    assert ws.resources()["terraform_data.web"]["output"] == f"gce-{seed.bucket}-fp1"

    revoked = admin_api.patch(
        admin_api.v1 + f"/iterations/{seed.first['id']}",
        json={"bucket_slug": seed.bucket, "revoke_in": "0s", "revocation_message": "CVE"},
    )
    assert revoked.status_code == 200, revoked.text
    revoke_at = revoked.json()["iteration"]["revoke_at"]
    channel = admin_api.get(admin_api.v1 + f"/images/{seed.bucket}/channels/production")
    assert channel.json()["channel"]["iteration"]["revoke_at"] == revoke_at  # still assigned

    run = ws.run("plan", "-input=false", "-no-color")
    assert run.returncode == 1, run.output
    assert "Error: Resource precondition failed" in run.output, run.output
    assert "The production iteration is revoked." in run.output, run.output
    refused = ws.run("apply", "-auto-approve", "-input=false", "-no-color")
    assert refused.returncode == 1, refused.output
    assert "Resource precondition failed" in refused.output, refused.output

    # Without the precondition the data sources expose the revocation time.
    reader = workspace_for(live_server.principal("viewer"), "reader")
    reader.write(
        f"""
        data "hcp_packer_iteration" "production" {{
          bucket_name = "{seed.bucket}"
          channel     = "production"
        }}
        data "hcp_packer_image" "production" {{
          bucket_name    = "{seed.bucket}"
          channel        = "production"
          cloud_provider = "gce"
          region         = "europe-west1-b"
        }}
        data "hcp_packer_image" "second" {{
          bucket_name    = "{seed.bucket}"
          iteration_id   = "{seed.second["id"]}"
          cloud_provider = "gce"
          region         = "europe-west1-b"
        }}
        output "iteration" {{ value = data.hcp_packer_iteration.production.revoke_at }}
        output "image" {{ value = data.hcp_packer_image.production.revoke_at }}
        output "second_not_revoked" {{ value = data.hcp_packer_image.second.revoke_at == null }}
        """
    )
    reader.apply()
    assert reader.outputs() == {
        "iteration": revoke_at,
        "image": revoke_at,
        "second_not_revoked": True,  # an output that is null is left out
    }
    reader.assert_no_changes()
    reader.destroy()

    ws.destroy()  # a destroy is not stopped by the precondition
    assert ws.resources() == {}


def test_a_channel_without_an_iteration_is_an_error(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    made = admin_api.post(admin_api.v1 + f"/images/{seed.bucket}/channels", json={"slug": "empty"})
    assert made.status_code == 200, made.text
    ws = workspace_for(live_server.principal("viewer"))
    ws.write(
        f"""
        data "hcp_packer_iteration" "empty" {{
          bucket_name = "{seed.bucket}"
          channel     = "empty"
        }}
        data "hcp_packer_image" "missing" {{
          bucket_name    = "{seed.bucket}"
          channel        = "no-such-channel"
          cloud_provider = "aws"
          region         = "us-east-1"
        }}
        """
    )
    run = ws.run("plan", "-input=false", "-no-color")
    assert run.returncode == 1, run.output
    assert "no iteration information found for the specified channel empty" in run.output
    assert 'channel "no-such-channel" not found' in run.output, run.output
