"""Terraform 1.5.7 with the real `hcp` provider against a live Packyard, end to end.

Every scenario runs twice: with provider v0.111.0 (built from the module proxy) and with
v0.114.0, the newest release (built from ../shared/clients/, the proxy refuses it). The binaries
are built by tests.support.clients; tests.support.terraform runs them (dev_overrides, a
throwaway HOME, HCP_SKIP_STATUS_CHECK=true, the HCP_* variables of one principal). Content is
seeded through the 2023-01-01 API the way Packer 1.16 pushes it (a UUID packer_run_uuid on
every build, as Packer sends: the provider's artifact data source rejects anything else).

Behaviour quoted from the provider's source (github.com/hashicorp/terraform-provider-hcp
@v0.111.0, the same in v0.114.0) that the assertions rely on:

* hcp_packer_version renders an unrevoked version's revoke_at as the zero time
  ("0001-01-01T00:00:00.000Z"); hcp_packer_artifact leaves it null.
* hcp_packer_channel_assignment reads the channel from ListChannels and writes it with
  UpdateChannel (update_mask versionFingerprint); "none" unassigns; it refuses to create over
  a channel that already has a version ("already has an assigned version").
* hcp_packer_bucket's create error is wrapped as "unexpected error format. Got: ..." whatever
  the server answers (it casts to the GetBucket error type).
* hcp_packer_bucket_iam_binding batches its changes for a second, looks the principal up with
  IAM BatchGetPrincipals, then GetIamPolicy / SetIamPolicy on the bucket's resource_name.
* hcp_packer_run_task keeps regenerate_hmac true only until the key is regenerated.
* Importable: hcp_packer_bucket (its resource name), hcp_packer_channel and
  hcp_packer_channel_assignment ("[project:]bucket:channel"), hcp_packer_bucket_iam_policy
  (the bucket's resource name). hcp_packer_bucket_iam_binding and hcp_packer_run_task have no
  importer.

On failure the test's captured stdout shows every terraform run and the server requests it
caused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import error
from tests.support.clients import (
    HCP_PROVIDER_NEWEST_VERSION,
    HCP_PROVIDER_VERSION,
    hcp_provider,
    hcp_provider_release,
    terraform,
)
from tests.support.server import ApiClient, LiveServer
from tests.support.terraform import WorkspaceFor, workspaces

pytestmark = pytest.mark.e2e

POLICY = "/2019-12-10/resource-manager/resources/iam-policy"
ZERO_TIME = "0001-01-01T00:00:00.000Z"


@pytest.fixture(scope="session")
def terraform_bin() -> Path:
    return terraform()


@pytest.fixture(
    scope="session", params=[HCP_PROVIDER_VERSION, HCP_PROVIDER_NEWEST_VERSION], ids=lambda v: v
)
def provider_dir(request: pytest.FixtureRequest) -> Path:
    """Every scenario runs with each provider release (session-scoped, so each is built once
    and the tests are grouped by release)."""
    if request.param == HCP_PROVIDER_VERSION:
        return hcp_provider().parent
    return hcp_provider_release(request.param).parent


@pytest.fixture(scope="session")
def admin_api(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture
def workspace_for(
    live_server: LiveServer, terraform_bin: Path, provider_dir: Path, tmp_path: Path
) -> Iterator[WorkspaceFor]:
    """Make workspaces for principals; each gets its own HOME and directory."""
    with workspaces(live_server, terraform_bin, provider_dir, tmp_path) as make:
        yield make


# --------------------------------------------------------------------------- registry


def unique(label: str) -> str:
    return f"tf-{label}-{uuid.uuid4().hex[:10]}"


def publish(api: ApiClient, bucket: str, fingerprint: str) -> dict[str, Any]:
    """What Packer 1.16 does for a two-source build: bucket, version, builds, artifacts."""
    if api.get(api.v2 + f"/buckets/{bucket}", check=False).status_code == 404:
        created = api.put(api.v2 + "/buckets", json={"name": bucket, "description": "tf e2e"})
        assert created.status_code == 200, created.text
    version = api.post(
        api.v2 + f"/buckets/{bucket}/versions",
        json={"fingerprint": fingerprint, "template_type": "HCL2"},
    )
    assert version.status_code == 200, version.text
    base = api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds"
    run_uuid = str(uuid.uuid4())
    sources = (
        ("amazon-ebs.web", "aws", "us-east-1"),
        ("googlecompute.web", "gce", "europe-west1-b"),
    )
    paths = []
    for component, _, _ in sources:  # Packer creates every build before running any
        build = api.post(
            base,
            json={
                "component_type": component,
                "status": "BUILD_UNSET",
                "packer_run_uuid": run_uuid,
            },
        )
        assert build.status_code == 200, build.text
        paths.append(base + "/" + build.json()["build"]["id"])
    for path, (_, platform, region) in zip(paths, sources, strict=True):
        assert api.patch(path, json={"status": "BUILD_RUNNING"}).status_code == 200
        done = api.patch(
            path,
            json={
                "status": "BUILD_DONE",
                "platform": platform,
                "packer_run_uuid": run_uuid,
                "artifacts": [
                    {"external_identifier": f"{platform}-{fingerprint}", "region": region}
                ],
                "labels": {"os": "debian"},
            },
        )
        assert done.status_code == 200, done.text
    got = api.get(api.v2 + f"/buckets/{bucket}/versions/{fingerprint}")
    assert got.json()["version"]["status"] == "VERSION_ACTIVE", got.text
    found: dict[str, Any] = got.json()["version"]
    return found


def make_channel(api: ApiClient, bucket: str, name: str, fingerprint: str | None = None) -> None:
    body: dict[str, Any] = {"name": name}
    if fingerprint:
        body["version_fingerprint"] = fingerprint
    created = api.post(api.v2 + f"/buckets/{bucket}/channels", json=body)
    assert created.status_code == 200, created.text


def resource_name(api: ApiClient, bucket: str) -> str:
    return f"packer/project/{api.server.project_id}/bucket/{bucket}"


def policy(api: ApiClient, bucket: str) -> dict[str, set[str]]:
    response = api.get(POLICY, params={"resource_name": resource_name(api, bucket)})
    assert response.status_code == 200, response.text
    return {
        binding["role_id"]: {member["member_id"] for member in binding["members"]}
        for binding in response.json()["policy"]["bindings"]
    }


def channel(api: ApiClient, bucket: str, name: str) -> dict[str, Any]:
    response = api.get(api.v2 + f"/buckets/{bucket}/channels/{name}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["channel"]
    return found


def bucket_names(api: ApiClient) -> list[str]:
    """Every bucket of the project, following the pages."""
    names: list[str] = []
    token = ""
    while True:
        params = {"pagination.next_page_token": token} if token else {}
        page = api.get(api.v2 + "/buckets", params=params).json()
        names += [bucket["name"] for bucket in page.get("buckets", [])]
        token = page.get("pagination", {}).get("next_page_token", "")
        if not token:
            return sorted(names)


def snapshot(api: ApiClient, *buckets: str) -> dict[str, Any]:
    """What the project holds: its bucket names, and for the given buckets their versions,
    channels (restriction, assignment) and IAM policies. Timestamps are left out: they say
    when, not what."""
    found: dict[str, Any] = {"buckets": bucket_names(api)}
    for name in buckets:
        versions = api.get(api.v2 + f"/buckets/{name}/versions").json().get("versions", [])
        channels = api.get(api.v2 + f"/buckets/{name}/channels").json().get("channels", [])
        found[name] = {
            "versions": sorted((v["fingerprint"], v["name"], v["status"]) for v in versions),
            "channels": sorted(
                (c["name"], c["restricted"], (c.get("version") or {}).get("fingerprint"))
                for c in channels
            ),
            "policy": policy(api, name),
        }
    return found


@dataclass
class Seed:
    bucket: str
    first: dict[str, Any]
    second: dict[str, Any]


@pytest.fixture
def seed(admin_api: ApiClient) -> Seed:
    """A bucket with two complete versions; its `production` channel holds the first."""
    bucket = unique("seed")
    first = publish(admin_api, bucket, f"{bucket}-fp1")
    second = publish(admin_api, bucket, f"{bucket}-fp2")
    make_channel(admin_api, bucket, "production", first["fingerprint"])
    return Seed(bucket, first, second)


def artifact(version: dict[str, Any], platform: str) -> tuple[dict[str, Any], dict[str, Any]]:
    (build,) = [b for b in version["builds"] if b["platform"] == platform]
    return build, build["artifacts"][0]


# --------------------------------------------------------------------------- scenarios


def test_data_sources_read_what_the_registry_holds(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    ws = workspace_for(live_server.principal("admin"))
    ws.write(
        f"""
        data "hcp_packer_version" "production" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
        }}
        data "hcp_packer_artifact" "by_channel" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
          platform     = "aws"
          region       = "us-east-1"
        }}
        data "hcp_packer_artifact" "by_fingerprint" {{
          bucket_name         = "{seed.bucket}"
          version_fingerprint = "{seed.second["fingerprint"]}"
          platform            = "gce"
          region              = "europe-west1-b"
        }}
        data "hcp_packer_bucket_names" "all" {{}}
        data "hcp_packer_run_task" "registry" {{}}
        output "version" {{ value = data.hcp_packer_version.production }}
        output "by_channel" {{ value = data.hcp_packer_artifact.by_channel }}
        output "by_fingerprint" {{ value = data.hcp_packer_artifact.by_fingerprint }}
        output "names" {{ value = data.hcp_packer_bucket_names.all.names }}
        output "endpoint_url" {{ value = data.hcp_packer_run_task.registry.endpoint_url }}
        output "hmac_key" {{
          value     = data.hcp_packer_run_task.registry.hmac_key
          sensitive = true
        }}
        """
    )
    # More buckets than one page (100) holds, so the bucket-names data source must page.
    for _ in range(max(0, 101 - len(bucket_names(admin_api)))):
        created = admin_api.put(admin_api.v2 + "/buckets", json={"name": unique("page")})
        assert created.status_code == 200, created.text
    before = snapshot(admin_api, seed.bucket)
    ws.apply()
    out = ws.outputs()
    first, second = seed.first, seed.second
    assert out["version"] == {
        "author_id": first["author_id"],
        "bucket_name": seed.bucket,
        "channel_name": "production",
        "created_at": first["created_at"],
        "fingerprint": first["fingerprint"],
        "id": first["id"],
        "name": "v1",
        "organization_id": live_server.org_id,
        "project_id": live_server.project_id,
        "revoke_at": ZERO_TIME,
        "updated_at": first["updated_at"],
    }
    build, image = artifact(first, "aws")
    assert out["by_channel"] == {
        "bucket_name": seed.bucket,
        "build_id": build["id"],
        "channel_name": "production",
        "component_type": "amazon-ebs.web",
        "created_at": image["created_at"],
        "external_identifier": f"aws-{first['fingerprint']}",
        "id": image["id"],
        "labels": {"os": "debian"},
        "organization_id": live_server.org_id,
        "packer_run_uuid": build["packer_run_uuid"],
        "platform": "aws",
        "project_id": live_server.project_id,
        "region": "us-east-1",
        "revoke_at": None,
        "version_fingerprint": first["fingerprint"],
    }
    build, image = artifact(second, "gce")
    assert out["by_fingerprint"]["channel_name"] is None
    assert out["by_fingerprint"]["id"] == image["id"]
    assert out["by_fingerprint"]["build_id"] == build["id"]
    assert out["by_fingerprint"]["external_identifier"] == f"gce-{second['fingerprint']}"
    assert out["by_fingerprint"]["version_fingerprint"] == second["fingerprint"]
    assert sorted(out["names"]) == bucket_names(admin_api) and len(out["names"]) > 100
    run_task = admin_api.get(admin_api.v2 + "/runtasks/validation").json()
    assert out["endpoint_url"] == run_task["api_url"]
    assert out["hmac_key"] == run_task["hmac_key"]
    ws.assert_no_changes()
    ws.destroy()
    assert snapshot(admin_api, seed.bucket) == before


def test_revocation_shows_in_the_data_sources(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    """The current provider does not refuse revoked versions: it reports their revoke_at."""
    first = seed.first["fingerprint"]
    revoked = admin_api.patch(
        admin_api.v2 + f"/buckets/{seed.bucket}/versions/{first}",
        json={
            "revoke_in": "0s",
            "revocation_message": "CVE in the base image",
            "disable_rollback_channels": True,  # the channel keeps the revoked version
        },
    )
    assert revoked.status_code == 200, revoked.text
    version = revoked.json()["version"]
    assert version["status"] == "VERSION_REVOKED", version
    ws = workspace_for(live_server.principal("viewer"))
    ws.write(
        f"""
        data "hcp_packer_version" "production" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
        }}
        data "hcp_packer_artifact" "production" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
          platform     = "aws"
          region       = "us-east-1"
        }}
        output "version_revoke_at" {{ value = data.hcp_packer_version.production.revoke_at }}
        output "artifact_revoke_at" {{ value = data.hcp_packer_artifact.production.revoke_at }}
        """
    )
    ws.apply()
    assert ws.outputs() == {
        "version_revoke_at": version["revoke_at"],
        "artifact_revoke_at": version["revoke_at"],
    }
    ws.assert_no_changes()
    ws.destroy()


@pytest.mark.parametrize("provider_dir", [HCP_PROVIDER_NEWEST_VERSION], indirect=True)
def test_artifact_found_by_build_labels(
    live_server: LiveServer, workspace_for: WorkspaceFor, seed: Seed
) -> None:
    """v0.112.0 and later: `labels` with `channel_name` picks, from the channel's version (read
    with GetChannel), a build whose labels hold every given pair, on `platform` and `region`."""
    ws = workspace_for(live_server.principal("viewer"))
    ws.write(
        f"""
        data "hcp_packer_artifact" "debian" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
          platform     = "gce"
          region       = "europe-west1-b"
          labels       = {{ os = "debian" }}
        }}
        output "debian" {{ value = data.hcp_packer_artifact.debian }}
        """
    )
    ws.apply()
    build, image = artifact(seed.first, "gce")
    found = ws.outputs()["debian"]
    assert (found["id"], found["build_id"], found["component_type"]) == (
        image["id"],
        build["id"],
        "googlecompute.web",
    )
    assert found["external_identifier"] == f"gce-{seed.first['fingerprint']}"
    assert found["labels"] == {"os": "debian"}
    ws.assert_no_changes()
    ws.destroy()

    ws.write(
        f"""
        data "hcp_packer_artifact" "windows" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
          platform     = "gce"
          region       = "europe-west1-b"
          labels       = {{ os = "windows" }}
        }}
        """
    )
    run = ws.run("plan", "-input=false", "-no-color")
    assert run.returncode == 1, run.output
    assert "no artifact found matching labels map[os:windows]" in run.output, run.output

    ws.write(
        f"""
        data "hcp_packer_artifact" "by_fingerprint" {{
          bucket_name         = "{seed.bucket}"
          version_fingerprint = "{seed.second["fingerprint"]}"
          platform            = "gce"
          region              = "europe-west1-b"
          labels              = {{ os = "debian" }}
        }}
        """
    )
    run = ws.run("plan", "-input=false", "-no-color")
    assert run.returncode == 1, run.output
    assert "When `labels` is set, `channel_name` must also be set." in run.output, run.output


def test_data_source_errors_carry_the_registrys_answer(
    live_server: LiveServer, workspace_for: WorkspaceFor, seed: Seed
) -> None:
    ws = workspace_for(live_server.principal("viewer"))
    ws.write(
        f"""
        data "hcp_packer_version" "missing" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "no-such-channel"
        }}
        """
    )
    run = ws.run("plan", "-input=false", "-no-color")
    assert run.returncode == 1, run.output
    assert 'channel "no-such-channel" not found' in run.output, run.output


def test_resources_apply_reassign_unassign_and_destroy(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    own = unique("own")
    ws = workspace_for(live_server.principal("admin"))

    def config(fingerprint: str) -> str:
        return f"""
        resource "hcp_packer_bucket" "own" {{
          name = "{own}"
        }}
        resource "hcp_packer_channel" "own_empty" {{
          name        = "empty"
          bucket_name = hcp_packer_bucket.own.name
        }}
        resource "hcp_packer_channel" "staging" {{
          name        = "staging"
          bucket_name = "{seed.bucket}"
        }}
        resource "hcp_packer_channel" "locked" {{
          name        = "locked"
          bucket_name = "{seed.bucket}"
          restricted  = true
        }}
        resource "hcp_packer_channel_assignment" "staging" {{
          bucket_name         = "{seed.bucket}"
          channel_name        = hcp_packer_channel.staging.name
          version_fingerprint = "{fingerprint}"
        }}
        """

    before = snapshot(admin_api, seed.bucket)
    first, second = seed.first["fingerprint"], seed.second["fingerprint"]
    ws.write(config(first))
    ws.apply()
    state = ws.resources()
    bucket = admin_api.get(admin_api.v2 + f"/buckets/{own}").json()["bucket"]
    assert state["hcp_packer_bucket.own"] == {
        "created_at": bucket["created_at"],
        "name": own,
        "organization_id": live_server.org_id,
        "project_id": live_server.project_id,
        "resource_name": resource_name(admin_api, own),
    }
    staging = channel(admin_api, seed.bucket, "staging")
    assert staging["version"]["fingerprint"] == first and staging["restricted"] is False
    assert state["hcp_packer_channel.staging"]["id"] == staging["id"]
    assert channel(admin_api, seed.bucket, "locked")["restricted"] is True
    assert state["hcp_packer_channel.locked"]["restricted"] is True
    assert "version" not in channel(admin_api, own, "empty")
    assert state["hcp_packer_channel_assignment.staging"]["version_fingerprint"] == first
    ws.assert_no_changes()

    ws.write(config(second))  # reassign by fingerprint
    ws.apply()
    assert channel(admin_api, seed.bucket, "staging")["version"]["fingerprint"] == second
    history = admin_api.get(admin_api.v2 + f"/buckets/{seed.bucket}/channels/staging/history")
    assert [h["version"]["fingerprint"] for h in history.json()["history"]][:2] == [
        second,
        first,
    ]
    ws.assert_no_changes()

    ws.write(config("none"))  # unassign
    ws.apply()
    assert "version" not in channel(admin_api, seed.bucket, "staging")
    ws.assert_no_changes()

    ws.destroy()
    assert snapshot(admin_api, seed.bucket) == before


def test_run_task_is_read_and_its_key_regenerated(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient
) -> None:
    ws = workspace_for(live_server.principal("admin"))

    def config(regenerate: bool) -> str:
        return f"""
        resource "hcp_packer_run_task" "registry" {{
          regenerate_hmac = {str(regenerate).lower()}
        }}
        """

    def api_key() -> dict[str, Any]:
        found: dict[str, Any] = admin_api.get(admin_api.v2 + "/runtasks/validation").json()
        return found

    original = api_key()
    ws.write(config(False))
    ws.apply()
    state = ws.resources()["hcp_packer_run_task.registry"]
    assert state["endpoint_url"] == original["api_url"]
    assert state["hmac_key"] == original["hmac_key"]
    assert state["id"] == live_server.project_id
    ws.assert_no_changes()

    ws.write(config(True))
    ws.apply()
    rotated = api_key()
    assert rotated["hmac_key"] != original["hmac_key"]
    assert rotated["api_url"] == original["api_url"]
    state = ws.resources()["hcp_packer_run_task.registry"]
    assert state["hmac_key"] == rotated["hmac_key"]
    assert state["regenerate_hmac"] is False

    ws.write(config(False))
    ws.assert_no_changes()
    ws.destroy()  # the provider leaves the registry's run task in place
    assert api_key() == rotated


def test_bucket_iam_policy_and_binding_grant_roles_on_one_bucket(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    own = unique("iam")
    packer = live_server.principal("viewer")
    releaser = live_server.principal("viewer")
    ws = workspace_for(live_server.principal("admin"))
    ws.write(
        f"""
        resource "hcp_packer_bucket" "own" {{
          name = "{own}"
        }}
        data "hcp_iam_policy" "own" {{
          bindings = [
            {{ role = "roles/contributor", principals = ["{packer.principal_id}"] }},
            {{ role = "roles/viewer", principals = ["{releaser.principal_id}"] }},
          ]
        }}
        resource "hcp_packer_bucket_iam_policy" "own" {{
          resource_name = hcp_packer_bucket.own.resource_name
          policy_data   = data.hcp_iam_policy.own.policy_data
        }}
        resource "hcp_packer_bucket_iam_binding" "seed" {{
          resource_name = "{resource_name(admin_api, seed.bucket)}"
          principal_id  = "{releaser.principal_id}"
          role          = "roles/contributor"
        }}
        """
    )
    before = snapshot(admin_api, seed.bucket)
    ws.apply()
    assert policy(admin_api, own) == {
        "roles/contributor": {packer.principal_id},
        "roles/viewer": {releaser.principal_id},
    }
    assert policy(admin_api, seed.bucket) == {"roles/contributor": {releaser.principal_id}}
    state = ws.resources()["hcp_packer_bucket_iam_policy.own"]
    etag = admin_api.get(POLICY, params={"resource_name": resource_name(admin_api, own)})
    assert state["etag"] == etag.json()["policy"]["etag"]
    ws.assert_no_changes()

    # The roles hold: each viewer key may now write in its own bucket, and only there.
    as_packer = live_server.api(principal=packer)
    assert publish(as_packer, own, f"{own}-fp1")["name"] == "v1"
    refused_channel = as_packer.post(
        as_packer.v2 + f"/buckets/{seed.bucket}/channels", json={"name": "x"}
    )
    error(refused_channel, 403, 7)
    releaser_ws = workspace_for(releaser, "releaser")
    releaser_ws.write(
        f"""
        resource "hcp_packer_channel" "release" {{
          name        = "release"
          bucket_name = "{seed.bucket}"
        }}
        resource "hcp_packer_channel_assignment" "release" {{
          bucket_name         = "{seed.bucket}"
          channel_name        = hcp_packer_channel.release.name
          version_fingerprint = "{seed.second["fingerprint"]}"
        }}
        """
    )
    releaser_ws.apply()
    assert (
        channel(admin_api, seed.bucket, "release")["version"]["fingerprint"]
        == (seed.second["fingerprint"])
    )
    releaser_ws.assert_no_changes()
    releaser_ws.destroy()
    releaser_ws.write(
        f"""
        resource "hcp_packer_channel" "elsewhere" {{
          name        = "release"
          bucket_name = "{own}"
        }}
        """
    )
    refused = releaser_ws.run("apply", "-auto-approve", "-input=false", "-no-color")
    assert refused.returncode == 1, refused.output
    assert "[403]" in refused.output and "may not call v2023.CreateChannel" in refused.output

    ws.destroy()
    assert policy(admin_api, seed.bucket) == {}
    error(admin_api.get(admin_api.v2 + f"/buckets/{own}"), 404, 5)
    assert snapshot(admin_api, seed.bucket) == before
    # The binding went with the destroy: the releaser key is a plain viewer there again.
    as_releaser = live_server.api(principal=releaser)
    refused_version = as_releaser.post(
        as_releaser.v2 + f"/buckets/{seed.bucket}/channels", json={"name": "y"}
    )
    error(refused_version, 403, 7)


def test_import_each_importable_resource(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    own = unique("import")
    member = live_server.principal("viewer")
    admin_api.put(admin_api.v2 + "/buckets", json={"name": own})
    make_channel(admin_api, own, "gated")
    changed = admin_api.patch(
        admin_api.v2 + f"/buckets/{own}/channels/gated",
        json={"restricted": True, "update_mask": "restricted"},
    )
    assert changed.status_code == 200, changed.text
    make_channel(admin_api, seed.bucket, "canary", seed.second["fingerprint"])
    granted = admin_api.put(
        POLICY,
        json={
            "resource_name": resource_name(admin_api, own),
            "policy": {
                "bindings": [
                    {
                        "role_id": "roles/contributor",
                        "members": [
                            {"member_id": member.principal_id, "member_type": "SERVICE_PRINCIPAL"}
                        ],
                    }
                ]
            },
        },
    )
    assert granted.status_code == 200, granted.text
    ws = workspace_for(live_server.principal("admin"))
    ws.write(
        f"""
        resource "hcp_packer_bucket" "own" {{
          name = "{own}"
        }}
        resource "hcp_packer_channel" "gated" {{
          name        = "gated"
          bucket_name = hcp_packer_bucket.own.name
          restricted  = true
        }}
        resource "hcp_packer_channel" "canary" {{
          name        = "canary"
          bucket_name = "{seed.bucket}"
        }}
        resource "hcp_packer_channel_assignment" "canary" {{
          bucket_name         = "{seed.bucket}"
          channel_name        = hcp_packer_channel.canary.name
          version_fingerprint = "{seed.second["fingerprint"]}"
        }}
        data "hcp_iam_policy" "own" {{
          bindings = [{{ role = "roles/contributor", principals = ["{member.principal_id}"] }}]
        }}
        resource "hcp_packer_bucket_iam_policy" "own" {{
          resource_name = hcp_packer_bucket.own.resource_name
          policy_data   = data.hcp_iam_policy.own.policy_data
        }}
        """
    )
    ws.import_("hcp_packer_bucket.own", resource_name(admin_api, own))
    ws.import_("hcp_packer_channel.gated", f"{live_server.project_id}:{own}:gated")
    ws.import_("hcp_packer_channel.canary", f"{seed.bucket}:canary")
    ws.import_("hcp_packer_channel_assignment.canary", f"{seed.bucket}:canary")
    ws.import_("hcp_packer_bucket_iam_policy.own", resource_name(admin_api, own))
    state = ws.resources()
    assert set(state) == {
        "hcp_packer_bucket.own",
        "hcp_packer_channel.gated",
        "hcp_packer_channel.canary",
        "hcp_packer_channel_assignment.canary",
        "hcp_packer_bucket_iam_policy.own",
    }
    assert state["hcp_packer_channel.gated"]["id"] == channel(admin_api, own, "gated")["id"]
    assert (
        state["hcp_packer_channel_assignment.canary"]["version_fingerprint"]
        == (seed.second["fingerprint"])
    )
    ws.assert_no_changes()
    ws.destroy()
    error(admin_api.get(admin_api.v2 + f"/buckets/{own}"), 404, 5)
    error(admin_api.get(admin_api.v2 + f"/buckets/{seed.bucket}/channels/canary"), 404, 5)


def test_drift_made_through_the_api_shows_in_the_next_plan(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    member = live_server.principal("viewer")
    first, second = seed.first["fingerprint"], seed.second["fingerprint"]
    spare = unique("spare")
    ws = workspace_for(live_server.principal("admin"))
    ws.write(
        f"""
        resource "hcp_packer_bucket" "spare" {{
          name = "{spare}"
        }}
        resource "hcp_packer_channel" "quality" {{
          name        = "quality"
          bucket_name = "{seed.bucket}"
          restricted  = false
        }}
        resource "hcp_packer_channel_assignment" "quality" {{
          bucket_name         = "{seed.bucket}"
          channel_name        = hcp_packer_channel.quality.name
          version_fingerprint = "{first}"
        }}
        resource "hcp_packer_bucket_iam_binding" "quality" {{
          resource_name = "{resource_name(admin_api, seed.bucket)}"
          principal_id  = "{member.principal_id}"
          role          = "roles/viewer"
        }}
        """
    )
    ws.apply()
    ws.assert_no_changes()
    # Someone changes all three through the API.
    path = admin_api.v2 + f"/buckets/{seed.bucket}/channels/quality"
    moved = admin_api.patch(
        path,
        json={
            "version_fingerprint": second,
            "restricted": True,
            "update_mask": "versionFingerprint,restricted",
        },
    )
    assert moved.status_code == 200, moved.text
    emptied = admin_api.put(
        POLICY,
        json={
            "resource_name": resource_name(admin_api, seed.bucket),
            "policy": {
                "etag": admin_api.get(
                    POLICY, params={"resource_name": resource_name(admin_api, seed.bucket)}
                ).json()["policy"]["etag"],
                "bindings": [],
            },
        },
    )
    assert emptied.status_code == 200, emptied.text
    run = ws.plan()
    assert run.returncode == 2, run.output
    assert f'~ version_fingerprint = "{second}" -> "{first}"' in run.output, run.output
    assert "~ restricted = true -> false" in run.output, run.output
    assert "# hcp_packer_bucket_iam_binding.quality will be created" in run.output, run.output
    ws.apply()  # puts back what the configuration says
    qa = channel(admin_api, seed.bucket, "quality")
    assert (qa["version"]["fingerprint"], qa["restricted"]) == (first, False)
    assert policy(admin_api, seed.bucket) == {"roles/viewer": {member.principal_id}}
    ws.assert_no_changes()
    # A bucket deleted through the API is made again by the next apply.
    assert admin_api.delete(admin_api.v2 + f"/buckets/{spare}").status_code == 200
    run = ws.plan()
    assert run.returncode == 2, run.output
    assert "# hcp_packer_bucket.spare will be created" in run.output, run.output
    assert "Plan: 1 to add, 0 to change, 0 to destroy." in run.output, run.output
    ws.apply()
    assert admin_api.get(admin_api.v2 + f"/buckets/{spare}").status_code == 200
    ws.destroy()
    assert policy(admin_api, seed.bucket) == {}
    error(admin_api.get(admin_api.v2 + f"/buckets/{spare}"), 404, 5)


def test_viewer_reads_data_sources_but_cannot_create_resources(
    live_server: LiveServer, workspace_for: WorkspaceFor, admin_api: ApiClient, seed: Seed
) -> None:
    make_channel(admin_api, seed.bucket, "unassigned")
    viewer = live_server.principal("viewer")
    ws = workspace_for(viewer)
    ws.write(
        f"""
        data "hcp_packer_version" "production" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
        }}
        data "hcp_packer_artifact" "production" {{
          bucket_name  = "{seed.bucket}"
          channel_name = "production"
          platform     = "gce"
          region       = "europe-west1-b"
        }}
        data "hcp_packer_bucket_names" "all" {{}}
        output "fingerprint" {{ value = data.hcp_packer_version.production.fingerprint }}
        output "image" {{ value = data.hcp_packer_artifact.production.external_identifier }}
        output "has_seed" {{
          value = contains(data.hcp_packer_bucket_names.all.names, "{seed.bucket}")
        }}
        """
    )
    ws.apply()
    assert ws.outputs() == {
        "fingerprint": seed.first["fingerprint"],
        "image": f"gce-{seed.first['fingerprint']}",
        "has_seed": True,
    }
    ws.assert_no_changes()
    ws.destroy()

    before = snapshot(admin_api, seed.bucket)
    attempt = workspace_for(viewer, "writes")
    attempt.write(
        f"""
        resource "hcp_packer_bucket" "mine" {{
          name = "{unique("viewer")}"
        }}
        resource "hcp_packer_channel" "mine" {{
          name        = "mine"
          bucket_name = "{seed.bucket}"
        }}
        resource "hcp_packer_channel_assignment" "unassigned" {{
          bucket_name         = "{seed.bucket}"
          channel_name        = "unassigned"
          version_fingerprint = "{seed.second["fingerprint"]}"
        }}
        resource "hcp_packer_bucket_iam_binding" "self" {{
          resource_name = "{resource_name(admin_api, seed.bucket)}"
          principal_id  = "{viewer.principal_id}"
          role          = "roles/admin"
        }}
        """
    )
    run = attempt.run("apply", "-auto-approve", "-input=false", "-no-color")
    assert run.returncode == 1, run.output
    out = run.output
    assert "Error: Error creating bucket" in out, out
    assert (
        "unexpected error format. Got: [PUT /packer/2023-01-01/organizations/"
        "{location.organization_id}/projects/{location.project_id}/buckets][403] "
        "PackerService_CreateBucket default" in out
    ), out
    for operation in ("CreateBucket", "CreateChannel", "UpdateChannel", "SetIamPolicy"):
        assert f"the viewer role may not call {operation}" in out.replace("v2023.", ""), out
    assert "failed to update resource IAM policy" in out, out
    assert attempt.resources() == {}
    assert snapshot(admin_api, seed.bucket) == before
