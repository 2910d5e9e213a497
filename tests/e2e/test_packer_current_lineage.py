"""Packer 1.16.0 against a live Packyard: ancestry, enforced blocks and SBOMs, end to end.

The workspace, templates and registry reads are those of test_packer_current.py. What each
scenario relies on, from Packer's own source (github.com/hashicorp/packer@v1.16.0):

* Ancestry. internal/hcp/registry/ds_config.go maps every `hcp-packer-artifact` data
  source's external_identifier to its version id and channel id (the artifact's own
  channel_id, else the one of an `hcp-packer-version` data source with the same version
  id). types.bucket.go markBuildComplete: when an artifact's SourceImageID is one of those
  external identifiers, UpdateBuild(BUILD_DONE) carries parent_version_id and
  parent_channel_id. The file builder reports its `source` as SourceImageID, so a file
  source copying the parent's artifact makes the parent link.
* Enforced blocks. command/build.go, unless -skip-enforcement: FetchEnforcedBlocks
  (`GET .../enforced_blocks/bucket/{bucket}`, api/service_enforced_provisioner.go), then
  InjectEnforcedProvisioners: each `enforced_block_detail[].version.block_content` is
  parsed by hcl2template.ParseProvisionerBlocks (HCL, else JSON, else legacy JSON
  `{"provisioners": [...]}`) and its provisioners are appended to every build, HCL2 and
  JSON templates alike ("Loaded N enforced provisioner(s) from HCP block ...").
* SBOMs. provisioner/hcp-sbom downloads `source` through the build's communicator
  (`communicator = "none"` refuses: "Download is not implemented"; the file builder hands
  provisioners a mock communicator that downloads nothing), validates it as SPDX or
  CycloneDX JSON, and packer/provisioner.go's SBOMInternalProvisioner zstd-compresses it;
  types.bucket.go completeBuild uploads each (`PUT .../builds/{id}/sboms`, format SPDX or
  CYCLONEDX, name omitted when `sbom_name` is unset) before BUILD_DONE. Here the machine
  is the null builder's SSH communicator to a loopback SSH server (tests.support.sshd).
  `auto_generate = true` is not offline: it first downloads a Packer release from
  HashiCorp's release site (packer_release_fetch.go, a fixed URL) to run on the machine.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import test_packer_current as current
from tests.e2e.test_packer_19 import PackerRun, _requests, now_rfc3339
from tests.e2e.test_packer_current import (
    E2E23,
    build_two_sources,
    fingerprint_env,
    unique_bucket,
    written,
)
from tests.support.sshd import ssh_machine

pytestmark = pytest.mark.e2e

# The fixtures of test_packer_current.py: the Packer binary, an admin client, the workspace.
packer_bin, admin_api, e2e = current.packer_bin, current.admin_api, current.e2e


# --------------------------------------------------------------------------- ancestry


def build_child(e2e: E2E23, child: str, parent: str, fingerprint: str) -> Path:
    """Build the child template from the parent's `latest` artifact (out/b.txt of the parent)."""
    template = e2e.workdir / "child"
    if not template.exists():
        e2e.copy_template("child")
    # The parent's file artifact, fetched to where the child's file source reads it.
    shutil.copyfile(e2e.workdir / "two-sources" / "out" / "b.txt", template / "b.txt")
    e2e.build_ok(
        "-var",
        f"bucket={child}",
        "-var",
        f"parent_bucket={parent}",
        ".",
        cwd=template,
        env=fingerprint_env(fingerprint),
    )
    return template


def ancestry(e2e: E2E23, bucket: str, kind: str) -> list[dict[str, Any]]:
    found = e2e.validated_get(f"/buckets/{bucket}/ancestry?type=ANCESTRY_TYPE_{kind}")
    relations: list[dict[str, Any]] = found.get("relations", [])
    assert found.get("total_count", 0) == len(relations), found
    return relations


def assert_lineage(
    e2e: E2E23,
    *,
    parent: str,
    child: str,
    parent_version: dict[str, Any],
    child_fingerprint: str,
    status: str,
) -> None:
    """The child's parents and the parent's children, as bucket, version and ancestry reads."""
    child_version = e2e.validated_get(f"/buckets/{child}/versions/{child_fingerprint}")["version"]
    assert child_version["parents"]["status"] == status, child_version
    assert "ANCESTRY_TYPE_PARENTS" in child_version["parents"]["href"], child_version
    child_bucket = e2e.validated_get(f"/buckets/{child}")["bucket"]
    assert child_bucket["parents"]["status"] == status, child_bucket
    parent_bucket = e2e.validated_get(f"/buckets/{parent}")["bucket"]
    assert parent_bucket["children"]["status"] == status, parent_bucket

    for relations in (ancestry(e2e, child, "PARENTS"), ancestry(e2e, parent, "CHILDREN")):
        assert len(relations) == 1, relations
        relation = relations[0]
        assert relation["status"] == status, relation
        assert relation["parent"]["bucket_name"] == parent, relation
        assert relation["parent"]["version_id"] == parent_version["id"], relation
        assert relation["parent"]["version_fingerprint"] == parent_version["fingerprint"]
        assert relation["parent"]["channel_name"] == "latest", relation
        assert relation["child"]["bucket_name"] == child, relation
        assert relation["child"]["version_id"] == child_version["id"], relation
        assert relation["child"]["version_fingerprint"] == child_fingerprint, relation


def test_child_records_parent_and_sees_its_revocation(e2e: E2E23) -> None:
    """A child built from a parent's channel records the parent; revoking it → OUT_OF_DATE."""
    parent, child = unique_bucket("parent"), unique_bucket("child")
    build_two_sources(e2e, parent, "fp-p-1")
    parent_version = e2e.version(parent, "fp-p-1")
    latest = e2e.channel(parent, "latest")
    assert latest["version"]["id"] == parent_version["id"], latest

    build_child(e2e, child, parent, "fp-k-1")
    run = e2e.runs[-1]
    child_version = e2e.version(child, "fp-k-1")
    assert child_version["name"] == "v1", child_version
    assert child_version["status"] == "VERSION_ACTIVE", child_version
    build = e2e.builds(child, "fp-k-1")["file.child"]
    assert build["status"] == "BUILD_DONE", build
    # The file source copied the parent's artifact: that is the build's source image.
    assert build["source_external_identifier"] == "b.txt", build
    # Packer read the parent through the channel, then the version by fingerprint.
    calls = [(method, path) for method, path, _ in _requests(run.server_lines)]
    assert ("GET", e2e.v2 + f"/buckets/{parent}/channels/latest") in calls, calls
    assert ("GET", e2e.v2 + f"/buckets/{parent}/versions/fp-p-1") in calls, calls

    assert_lineage(
        e2e,
        parent=parent,
        child=child,
        parent_version=parent_version,
        child_fingerprint="fp-k-1",
        status="UP_TO_DATE",
    )

    status, body = e2e.call(
        "PATCH",
        f"/buckets/{parent}/versions/fp-p-1",
        json={"revoke_at": now_rfc3339(), "revocation_message": "e2e: parent revoked"},
    )
    assert status == 200, body
    assert body["version"]["status"] == "VERSION_REVOKED", body
    assert_lineage(
        e2e,
        parent=parent,
        child=child,
        parent_version=parent_version,
        child_fingerprint="fp-k-1",
        status="OUT_OF_DATE",
    )
    # Revocation leaves the child's build as Packer wrote it.
    assert e2e.builds(child, "fp-k-1")["file.child"] == build

    # The parent's `latest` was rolled back off the revoked version; with no earlier version
    # to go back to, it is left with none, so the parent can no longer feed a child build.
    assert "version" not in e2e.channel(parent, "latest"), e2e.channel(parent, "latest")
    template = e2e.workdir / "child"
    refused = e2e.build_fails(
        "-var",
        f"bucket={child}",
        "-var",
        f"parent_bucket={parent}",
        ".",
        cwd=template,
        env=fingerprint_env("fp-k-2"),
    )
    assert "there is no HCP Packer Version associated with the channel latest" in refused.output, (
        refused.output
    )
    assert written(refused) == [], written(refused)

    # The 2023 Build shape does not show the parent ids (UpdateBuildBody writes them); they
    # are set once, so the build accepts exactly the ids Packer sent and refuses others.
    build_path = f"/buckets/{child}/versions/fp-k-1/builds/{build['id']}"
    recorded = {"parent_version_id": parent_version["id"], "parent_channel_id": latest["id"]}
    status, body = e2e.call("PATCH", build_path, json=recorded)
    assert status == 200, body
    release = e2e.call("POST", f"/buckets/{parent}/channels", json={"name": "release"})
    assert release[0] == 200, release
    for other in (
        {"parent_version_id": child_version["id"]},
        {"parent_channel_id": release[1]["channel"]["id"]},
    ):
        status, body = e2e.call("PATCH", build_path, json=other)
        assert (status, body.get("code")) == (409, 6), (other, status, body)


# --------------------------------------------------------------------------- enforced blocks

ENFORCED_BLOCK = """\
provisioner "shell-local" {
  inline = [
    "echo ENFORCED_RAN",
    "echo enforced >> enforced-marker.txt",
  ]
}
"""


# The same kind of provisioner written as a legacy JSON template's `provisioners` list.
ENFORCED_JSON_BLOCK = json.dumps(
    {
        "provisioners": [
            {
                "type": "shell-local",
                "inline": ["echo ENFORCED_JSON_RAN", "echo enforced-json >> enforced-marker.txt"],
            }
        ]
    }
)


def create_enforced_block(
    e2e: E2E23, name: str, buckets: list[str], content: str, template_type: str
) -> dict[str, Any]:
    """An enforced block with one version, linked to `buckets` (created when missing)."""
    for bucket in buckets:
        status, body = e2e.call("GET", f"/buckets/{bucket}")
        if status == 404:
            status, body = e2e.call("PUT", "/buckets", json={"name": bucket})
        assert status == 200, body
    status, body = e2e.call(
        "PUT",
        "/enforced_blocks",
        json={
            "name": name,
            "template_type": template_type,
            "block_content": content,
            "version": "1.0.0",
            "additional_description": "marks every build it runs in",
        },
    )
    assert status == 200, body
    block: dict[str, Any] = body["enforced_block"]
    version_id = block["latest_version"]["id"]
    status, body = e2e.call(
        "POST",
        f"/enforced_blocks/{block['id']}/versions/{version_id}/buckets",
        json={"bucket_names": buckets},
    )
    assert status == 200, body
    return block


def marker_lines(template: Path) -> list[str]:
    marker = template / "enforced-marker.txt"
    return sorted(marker.read_text().splitlines()) if marker.exists() else []


def ran_enforced(run: PackerRun, echo: str = "ENFORCED_RAN") -> list[str]:
    """The builds whose output shows an enforced provisioner's echo ("==> null.a: ...")."""
    return sorted(
        line.split(": ", 1)[0].removeprefix("==> ")
        for line in run.stdout.splitlines()
        if line.endswith(f": {echo}")
    )


def test_enforced_block_is_injected_into_linked_buckets(e2e: E2E23) -> None:
    """A block linked to a bucket runs in every build of it (HCL2 and JSON templates)."""
    hcl2, legacy = unique_bucket("enforced"), unique_bucket("enforced-json")
    name = f"marker-{hcl2[-10:]}"
    create_enforced_block(e2e, name, [hcl2, legacy], ENFORCED_BLOCK, "HCL2")
    create_enforced_block(e2e, f"{name}-json", [hcl2], ENFORCED_JSON_BLOCK, "JSON")
    served = e2e.validated_get(f"/enforced_blocks/bucket/{hcl2}")["enforced_block_detail"]
    assert sorted(item["name"] for item in served) == [name, f"{name}-json"], served

    template = build_two_sources(e2e, hcl2, "fp-eb-1")
    run = e2e.runs[-1]
    for block, kind in ((name, "HCL2"), (f"{name}-json", "JSON")):
        loaded = f'Loaded 1 enforced provisioner(s) from HCP block "{block}" and template type'
        assert f'{loaded} "{kind}"' in run.output, run.output
    # Both blocks appended to both builds, after the template's own provisioners.
    assert marker_lines(template) == ["enforced"] * 2 + ["enforced-json"] * 2
    assert ran_enforced(run) == ["file.b", "null.a"], run.stdout
    assert ran_enforced(run, "ENFORCED_JSON_RAN") == ["file.b", "null.a"], run.stdout
    version = e2e.version(hcl2, "fp-eb-1")
    assert version["name"] == "v1" and version["status"] == "VERSION_ACTIVE", version
    assert {b["status"] for b in e2e.builds(hcl2, "fp-eb-1").values()} == {"BUILD_DONE"}
    calls = [(method, path) for method, path, _ in _requests(run.server_lines)]
    assert ("GET", e2e.v2 + f"/enforced_blocks/bucket/{hcl2}") in calls, calls

    # -skip-enforcement: Packer does not ask, and the block does not run.
    (template / "enforced-marker.txt").unlink()
    skipped = e2e.build_ok(
        "-skip-enforcement",
        "-var",
        f"bucket={hcl2}",
        ".",
        cwd=template,
        env=fingerprint_env("fp-eb-2"),
    )
    assert "Skipping HCP Packer enforced provisioners" in skipped.output, skipped.output
    assert marker_lines(template) == []
    calls = [(method, path) for method, path, _ in _requests(skipped.server_lines)]
    assert ("GET", e2e.v2 + f"/enforced_blocks/bucket/{hcl2}") not in calls, calls

    # A legacy JSON template gets the same HCL2 block.
    json_template = e2e.copy_template("json-env")
    run = e2e.build_ok(
        "template.json",
        cwd=json_template,
        env={"HCP_PACKER_BUCKET_NAME": legacy, **fingerprint_env("fp-eb-3")},
    )
    assert f'Loaded 1 enforced provisioner(s) from HCP block "{name}"' in run.output, run.output
    assert marker_lines(json_template) == ["enforced", "enforced"], marker_lines(json_template)
    assert ran_enforced(run) == ["file", "null.j"], run.stdout

    # A bucket the block is not linked to runs without it.
    unlinked = unique_bucket("not-enforced")
    fresh = e2e.workdir / "unlinked"
    shutil.copytree(e2e.workdir / "two-sources", fresh, ignore=shutil.ignore_patterns("out"))
    run = e2e.build_ok("-var", f"bucket={unlinked}", ".", cwd=fresh, env=fingerprint_env("fp-eb-4"))
    assert "enforced provisioner" not in run.output, run.output
    assert marker_lines(fresh) == []


# --------------------------------------------------------------------------- SBOMs

SPDX_DOCUMENT: dict[str, Any] = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "packyard-e2e-machine",
    "documentNamespace": "https://packyard.invalid/spdx/e2e-machine",
    "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: packyard-e2e"]},
    "packages": [
        {
            "SPDXID": "SPDXRef-Package-openssl",
            "name": "openssl",
            "versionInfo": "3.0.11-1",
            "downloadLocation": "NOASSERTION",
            "licenseConcluded": "Apache-2.0",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:deb/debian/openssl@3.0.11-1",
                }
            ],
        },
        {
            "SPDXID": "SPDXRef-Package-bash",
            "name": "bash",
            "versionInfo": "5.2.15-2",
            "downloadLocation": "NOASSERTION",
            "licenseConcluded": "GPL-3.0-or-later",
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": "pkg:deb/debian/bash@5.2.15-2",
                }
            ],
        },
    ],
}

CYCLONEDX_DOCUMENT: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "components": [
        {
            "type": "library",
            "name": "zlib",
            "version": "1.2.13",
            "purl": "pkg:deb/debian/zlib@1.2.13",
            "licenses": [{"license": {"id": "Zlib"}}],
        }
    ],
}


def test_hcp_sbom_provisioner_uploads_downloadable_sboms(e2e: E2E23) -> None:
    """hcp-sbom over SSH: both SBOMs stored on the build, listed, and downloadable as sent."""
    bucket, fingerprint = unique_bucket("sbom"), "fp-sb-1"
    template = e2e.copy_template("sbom")
    with ssh_machine(e2e.workdir / "machine") as machine:
        documents = machine.root / "sbom"
        documents.mkdir()
        spdx = json.dumps(SPDX_DOCUMENT, indent=2).encode()
        cyclonedx = json.dumps(CYCLONEDX_DOCUMENT).encode()
        (documents / "spdx.json").write_bytes(spdx)
        (documents / "cyclonedx.json").write_bytes(cyclonedx)
        run = e2e.build_ok(
            "-var",
            f"bucket={bucket}",
            "-var",
            f"ssh_port={machine.port}",
            "-var",
            f"ssh_password={machine.password}",
            ".",
            cwd=template,
            env=fingerprint_env(fingerprint),
        )
    assert "Using SSH communicator to connect: 127.0.0.1" in run.output, run.output
    # The provisioner's own copy of what it downloaded from the machine.
    assert (template / "downloaded-spdx.json").read_bytes() == spdx

    version = e2e.version(bucket, fingerprint)
    assert version["name"] == "v1" and version["status"] == "VERSION_ACTIVE", version
    build = e2e.builds(bucket, fingerprint)["null.machine"]
    assert build["status"] == "BUILD_DONE", build
    builds_path = f"/buckets/{bucket}/versions/{fingerprint}/builds/{build['id']}"
    # Uploaded while the build ran: after BUILD_RUNNING, before BUILD_DONE (completeBuild).
    writes = written(run)
    upload, update = ("PUT", e2e.v2 + builds_path + "/sboms"), ("PATCH", e2e.v2 + builds_path)
    assert [w for w in writes if w in (upload, update)] == [update, upload, upload, update]

    listed = e2e.validated_get(builds_path + "/sboms")["sboms"]
    by_name = {item["name"]: item["format"] for item in listed}
    # sbom_name unset: the registry's stable default for the format (sbom-<format>).
    assert by_name == {"os-packages": "SPDX", "sbom-cyclonedx": "CYCLONEDX"}, listed

    for name, sent in (("os-packages", spdx), ("sbom-cyclonedx", cyclonedx)):
        url = e2e.validated_get(builds_path + f"/sboms/{name}")["download_url"]
        assert url.endswith(builds_path + f"/sboms/{name}/download"), url
        downloaded = e2e.api.http.get(url)
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.headers["content-type"].startswith("application/json")
        assert downloaded.content == sent
        # Without credentials the document is not served.
        anonymous = e2e.api.http.get(url, headers={"Authorization": ""})
        assert anonymous.status_code == 401, anonymous.text

    packages = e2e.validated_get(builds_path + "/packages")["packages"]
    assert sorted((p["name"], p["version"], p["purl"]) for p in packages) == [
        ("bash", "5.2.15-2", "pkg:deb/debian/bash@5.2.15-2"),
        ("openssl", "3.0.11-1", "pkg:deb/debian/openssl@3.0.11-1"),
        ("zlib", "1.2.13", "pkg:deb/debian/zlib@1.2.13"),
    ], packages
    shipped = e2e.validated_get(f"/buckets/{bucket}/packages")["packages"]
    assert {(p["name"], p["channel_name"]) for p in shipped} == {
        ("bash", "latest"),
        ("openssl", "latest"),
        ("zlib", "latest"),
    }, shipped
