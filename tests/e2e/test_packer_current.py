"""Packer 1.16.0 (the 2023-01-01 API) against a live Packyard, end to end.

Every test drives the real `packer` binary (built on demand by tests.support.clients) with a
fresh HOME and a fresh contributor key, then reads back through the 2023-01-01 API what the
registry holds. The harness (running packer, recording the server requests each run caused,
explaining a failure) is the one of test_packer_19.py; the reads here are 2023-01-01 calls.
Behaviour quoted from Packer's own source (github.com/hashicorp/packer@v1.16.0):

* internal/hcp/api/service_bucket.go: `GET .../buckets/{b}`; code 5 → `PUT .../buckets`;
  an existing bucket whose description or labels differ → `PATCH .../buckets/{b}`.
* internal/hcp/registry/types.bucket.go: `GET .../versions/{fp}`, and only code 10 (Aborted)
  leads to `POST .../versions` with the template type (HCL2 | JSON). A version whose name is
  not "v0" is complete: "The version associated to the fingerprint F is complete. If you wish
  to add a new build to this bucket a new version must be created by changing the
  fingerprint." Then `GET .../builds`, `POST .../builds` per missing component,
  `GET .../enforced_blocks/bucket/{b}`, `PATCH .../builds/{id}` to BUILD_RUNNING, then
  BUILD_DONE with artifacts, platform, labels and metadata (or BUILD_FAILED). A rerun with
  the same fingerprint skips DONE builds (command/build.go's errors.As target is a value
  type while startBuild returns a pointer, so Packer 1.16.0 still prints
  `hcp: failed to start build "<name>"` / "build is already done" for a skipped build).
* datasource/hcp-packer-version: GetChannel; a channel without a version fails with "there
  is no HCP Packer Version associated with the channel C"; a channel version whose status is
  VERSION_REVOKED fails with "the HCP Packer Version associated with the channel C is
  revoked and can not be used on Packer builds". datasource/hcp-packer-artifact: GetChannel
  or GetVersion; "the version ID is revoked and can not be used on Packer builds".
* internal/hcp/api/client.go: without HCP_ORGANIZATION_ID Packer lists organizations, then
  projects (or, with HCP_PROJECT_ID alone, reads `GET /packer/2023-01-01/.../registry`).

On failure the test's captured stdout shows every packer run (stdout, stderr and the server
requests it caused); a failing packer run also shows the PACKER_LOG tail and server log.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_packer_19 import E2E, PackerRun, _requests, assert_echoed, now_rfc3339
from tests.support.clients import PACKER_CURRENT_VERSION, packer_current
from tests.support.server import ApiClient, LiveServer

pytestmark = pytest.mark.e2e

TEMPLATES = Path(__file__).parent / "templates_current"

TWO_SOURCES_DESCRIPTION = "Packyard e2e: null and file sources"
TWO_SOURCES_BUCKET_LABELS = {"team": "packyard", "os": "none"}
TWO_SOURCES_BUILD_LABELS = {"pipeline": "e2e", "packer": "1.16"}
PACKER_VERSION = PACKER_CURRENT_VERSION.lstrip("v")


# --------------------------------------------------------------------------- harness


@pytest.fixture(scope="session")
def packer_bin() -> Path:
    return packer_current()


@pytest.fixture(scope="session")
def admin_api(live_server: LiveServer) -> ApiClient:
    """The registry as people see it (reads, channels, revocation): an admin key."""
    return live_server.api("admin")


class E2E23(E2E):
    """The Packer workspace of test_packer_19, reading the registry through 2023-01-01."""

    def copy_template(self, name: str) -> Path:
        target = self.workdir / name
        shutil.copytree(TEMPLATES / name, target)
        return target

    @property
    def v2(self) -> str:
        """`/packer/2023-01-01/organizations/{org}/projects/{project}` of the live server."""
        return self.api.v2

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        """A 2023-01-01 call, unchecked: the scenarios assert on the JSON they need."""
        response = self.api.http.request(method, self.v2 + path, **kwargs)
        body: dict[str, Any] = response.json()
        return response.status_code, body

    def validated_get(self, path: str) -> dict[str, Any]:
        """A 2023-01-01 read checked against the spec (tests.support.contract, strict)."""
        response = self.api.get(self.v2 + path)
        assert response.status_code == 200, f"GET {path} -> {response.status_code} {response.text}"
        body: dict[str, Any] = response.json()
        return body

    def read(self, path: str, key: str, **kwargs: Any) -> Any:
        status, body = self.call("GET", path, **kwargs)
        assert status == 200, f"GET {path} -> {status} {body}"
        assert key in body, f"GET {path}: no {key!r} in {body}"
        return body[key]

    # ----------------------------------------------------------------- registry reads

    def bucket(self, name: str) -> dict[str, Any]:
        bucket: dict[str, Any] = self.read(f"/buckets/{name}", "bucket")
        return bucket

    def versions(self, name: str) -> list[dict[str, Any]]:
        status, body = self.call("GET", f"/buckets/{name}/versions")
        assert status == 200, body
        versions: list[dict[str, Any]] = body.get("versions", [])
        return versions

    def version(self, name: str, fingerprint: str) -> dict[str, Any]:
        version: dict[str, Any] = self.read(f"/buckets/{name}/versions/{fingerprint}", "version")
        return version

    def builds(self, name: str, fingerprint: str) -> dict[str, dict[str, Any]]:
        status, body = self.call("GET", f"/buckets/{name}/versions/{fingerprint}/builds")
        assert status == 200, body
        builds = body.get("builds", [])
        by_component = {build["component_type"]: build for build in builds}
        assert len(by_component) == len(builds), f"duplicate component types: {builds}"
        return by_component

    def channel(self, name: str, channel: str) -> dict[str, Any]:
        found: dict[str, Any] = self.read(f"/buckets/{name}/channels/{channel}", "channel")
        return found


@pytest.fixture
def e2e(
    live_server: LiveServer, packer_bin: Path, tmp_path: Path, admin_api: ApiClient
) -> Iterator[E2E23]:
    env = live_server.client_env("contributor")
    # go-openapi's client dumps each request and response (bodies, no credentials) into the
    # PACKER_LOG file, so a failing run shows exactly what Packer sent and got back.
    env["SWAGGER_DEBUG"] = "1"
    yield E2E23(live_server, packer_bin, tmp_path, env, admin_api)
    shutil.rmtree(env["HOME"], ignore_errors=True)


def unique_bucket(label: str) -> str:
    return f"e2e116-{label}-{uuid.uuid4().hex[:10]}"


def fingerprint_env(fingerprint: str) -> dict[str, str]:
    return {"HCP_PACKER_BUILD_FINGERPRINT": fingerprint}


def build_two_sources(e2e: E2E23, bucket: str, fingerprint: str, *, fail_code: int = 0) -> Path:
    """Copy the two-source template (once per test) and build it with the given fingerprint."""
    template = e2e.workdir / "two-sources"
    if not template.exists():
        e2e.copy_template("two-sources")
    args = ["-var", f"bucket={bucket}", "-var", f"fail_code={fail_code}", "."]
    if fail_code:
        e2e.build_fails(*args, cwd=template, env=fingerprint_env(fingerprint))
    else:
        e2e.build_ok(*args, cwd=template, env=fingerprint_env(fingerprint))
    return template


def artifacts_of(build: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["external_identifier"], a["region"]) for a in build.get("artifacts") or []]


def assert_null_build(build: dict[str, Any], version_id: str) -> None:
    assert build["status"] == "BUILD_DONE", build
    assert build["version_id"] == version_id, build
    assert build["platform"] == "null", build
    assert artifacts_of(build) == [("Null", "null")], build
    assert build["source_external_identifier"] == "null", build  # the null artifact's source
    assert build["packer_run_uuid"], build


def assert_file_build(build: dict[str, Any], version_id: str, target: str) -> None:
    assert build["status"] == "BUILD_DONE", build
    assert build["version_id"] == version_id, build
    assert build["platform"] == "packer.file", build
    region, _, name = target.rpartition("/")
    assert artifacts_of(build) == [(name, region or ".")], build
    # `content`, no `source`: the file builder's SourceImageID placeholder.
    assert build["source_external_identifier"] == "<no-defined-source-file>", build
    assert build["packer_run_uuid"], build


def assert_complete(version: dict[str, Any], name: str, fingerprint: str) -> None:
    assert version["name"] == name, version
    assert version["status"] == "VERSION_ACTIVE", version
    assert version["fingerprint"] == fingerprint, version


def written(run: PackerRun) -> list[tuple[str, str]]:
    """The registry writes a packer run made (method, path), in order."""
    return [
        (method, path)
        for method, path, _ in _requests(run.server_lines)
        if method in ("PUT", "POST", "PATCH", "DELETE") and path.startswith("/packer/")
    ]


# --------------------------------------------------------------------------- scenarios


def test_hcl2_build_publishes_bucket_version_and_builds(e2e: E2E23) -> None:
    """(a) hcp_packer_registry with two no-cloud sources → one complete version, v1, latest."""
    bucket, fingerprint = unique_bucket("hcl2"), "fp-a-1"
    template = build_two_sources(e2e, bucket, fingerprint)
    run = e2e.runs[-1]
    assert f'Tracking build on HCP Packer with fingerprint "{fingerprint}"' in run.output
    assert (template / "out" / "b.txt").read_text() == "x"

    record = e2e.bucket(bucket)
    assert record["name"] == bucket
    assert record["description"] == TWO_SOURCES_DESCRIPTION
    assert record["labels"] == TWO_SOURCES_BUCKET_LABELS
    assert record["version_count"] == "1", record
    assert sorted(record["platforms"]) == ["null", "packer.file"], record

    version = e2e.version(bucket, fingerprint)
    assert_complete(version, "v1", fingerprint)
    assert version["template_type"] == "HCL2", version
    assert version["bucket_name"] == bucket, version
    assert not version.get("revoke_at"), version
    assert record["latest_version"]["id"] == version["id"], record
    assert record["latest_version"]["name"] == "v1", record
    assert (
        f"Published metadata to HCP Packer registry packer/{bucket}/versions/{version['id']}"
        in (run.output)
    )

    builds = e2e.builds(bucket, fingerprint)
    assert set(builds) == {"null.a", "file.b"}, builds
    assert_null_build(builds["null.a"], version["id"])
    assert_file_build(builds["file.b"], version["id"], "out/b.txt")
    for build in builds.values():
        assert build["labels"] == TWO_SOURCES_BUILD_LABELS, build
        # UpdateBuild(BUILD_DONE) carries Packer's own metadata; the registry keeps it.
        assert build["metadata"]["packer"]["version"] == PACKER_VERSION, build
    # The version read by fingerprint embeds the same builds.
    assert {b["component_type"]: b["status"] for b in version["builds"]} == {
        "null.a": "BUILD_DONE",
        "file.b": "BUILD_DONE",
    }, version

    # The managed `latest` channel follows the completed version, builds and artifacts included.
    latest = e2e.channel(bucket, "latest")
    assert latest["managed"] is True, latest
    assert latest["version"]["id"] == version["id"], latest
    assert latest["version"]["name"] == "v1", latest
    assert latest["version"]["status"] == "VERSION_ACTIVE", latest
    embedded = {b["component_type"]: b for b in latest["version"]["builds"]}
    assert artifacts_of(embedded["null.a"]) == [("Null", "null")], latest

    # The calls of Packer 1.16's build path, in order (first run: the bucket is new).
    calls = [(method, path) for method, path, _ in _requests(run.server_lines)]
    base = f"/buckets/{bucket}"
    for expected in [
        ("GET", e2e.v2 + base),
        ("PUT", e2e.v2 + "/buckets"),
        ("GET", e2e.v2 + f"{base}/versions/{fingerprint}"),
        ("POST", e2e.v2 + f"{base}/versions"),
        ("GET", e2e.v2 + f"{base}/versions/{fingerprint}/builds"),
        ("POST", e2e.v2 + f"{base}/versions/{fingerprint}/builds"),
        ("GET", e2e.v2 + f"/enforced_blocks/bucket/{bucket}"),
        ("PATCH", e2e.v2 + f"{base}/versions/{fingerprint}/builds/{builds['null.a']['id']}"),
        ("PATCH", e2e.v2 + f"{base}/versions/{fingerprint}/builds/{builds['file.b']['id']}"),
    ]:
        assert expected in calls, f"{expected} not among {calls}"
    failed = [(m, p, s) for m, p, s in _requests(run.server_lines) if s >= 400]
    assert failed == [
        ("GET", e2e.v2 + base, 404),
        ("GET", e2e.v2 + f"{base}/versions/{fingerprint}", 409),
    ], failed


def test_rebuild_with_same_fingerprint_is_refused(e2e: E2E23) -> None:
    """(b) the version for the fingerprint is complete → Packer stops, nothing new."""
    bucket, fingerprint = unique_bucket("same-fp"), "fp-b-1"
    template = build_two_sources(e2e, bucket, fingerprint)
    first = e2e.versions(bucket)
    assert len(first) == 1, first

    run = e2e.build_fails(
        "-var", f"bucket={bucket}", ".", cwd=template, env=fingerprint_env(fingerprint)
    )
    assert f"The version associated to the fingerprint {fingerprint} is complete" in run.output
    assert "a new version must be created by changing the fingerprint" in run.output

    after = e2e.versions(bucket)
    assert [v["id"] for v in after] == [first[0]["id"]], after
    assert_complete(e2e.version(bucket, fingerprint), "v1", fingerprint)
    assert e2e.bucket(bucket)["version_count"] == "1"
    # Packer read the bucket (metadata unchanged: no PATCH) and the version, then stopped.
    assert written(run) == [], written(run)


def test_new_fingerprint_makes_version_two(e2e: E2E23) -> None:
    """(c) a new fingerprint → a second version, v2, and `latest` moves to it."""
    bucket = unique_bucket("new-fp")
    build_two_sources(e2e, bucket, "fp-c-1")
    first = e2e.version(bucket, "fp-c-1")
    assert e2e.channel(bucket, "latest")["version"]["id"] == first["id"]

    build_two_sources(e2e, bucket, "fp-c-2")
    by_fingerprint = {v["fingerprint"]: v for v in e2e.versions(bucket)}
    assert set(by_fingerprint) == {"fp-c-1", "fp-c-2"}, by_fingerprint
    assert_complete(by_fingerprint["fp-c-1"], "v1", "fp-c-1")
    assert_complete(by_fingerprint["fp-c-2"], "v2", "fp-c-2")
    second = e2e.version(bucket, "fp-c-2")
    builds = e2e.builds(bucket, "fp-c-2")
    assert_null_build(builds["null.a"], second["id"])
    assert_file_build(builds["file.b"], second["id"], "out/b.txt")

    record = e2e.bucket(bucket)
    assert record["version_count"] == "2", record
    assert record["latest_version"]["id"] == second["id"], record
    latest = e2e.channel(bucket, "latest")
    assert latest["managed"] is True, latest
    assert latest["version"]["id"] == second["id"], latest
    assert latest["version"]["name"] == "v2", latest


def test_failed_build_is_retried_alone(e2e: E2E23) -> None:
    """(d) one source fails → version stays v0; a rerun redoes only that build → v1."""
    bucket, fingerprint = unique_bucket("retry"), "fp-d-1"
    template = build_two_sources(e2e, bucket, fingerprint, fail_code=1)
    failed_run = e2e.runs[-1]
    assert "Build 'null.a' errored" in failed_run.output
    assert f'Version "{fingerprint}" is incomplete' in failed_run.output
    assert '"null.a": BUILD_FAILED' in failed_run.output

    version = e2e.version(bucket, fingerprint)
    assert version["name"] == "v0", version
    assert version["status"] != "VERSION_ACTIVE", version
    builds = e2e.builds(bucket, fingerprint)
    assert set(builds) == {"null.a", "file.b"}, builds
    assert builds["null.a"]["status"] == "BUILD_FAILED", builds["null.a"]
    assert not builds["null.a"].get("artifacts"), builds["null.a"]
    assert_file_build(builds["file.b"], version["id"], "out/b.txt")
    file_build = builds["file.b"]
    # Nothing complete yet: the managed channel exists and points nowhere.
    latest = e2e.channel(bucket, "latest")
    assert latest["managed"] is True, latest
    assert not latest.get("version"), latest

    # Same fingerprint, provisioner fixed. Remove file.b's output: it must not be rebuilt.
    (template / "out" / "b.txt").unlink()
    build_two_sources(e2e, bucket, fingerprint)
    rerun = e2e.runs[-1]
    # Packer 1.16.0's errors.As (command/build.go) does not match the *ErrBuildAlreadyDone
    # it gets, so a skipped build is reported as an hcp error; the run still succeeds.
    assert 'hcp: failed to start build "file.b"' in rerun.output
    assert "build is already done" in rerun.output
    assert not (template / "out" / "b.txt").exists(), "file.b was built again"
    builds_path = e2e.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds"
    touched = [path for method, path in written(rerun) if method == "PATCH"]
    assert f"{builds_path}/{file_build['id']}" not in touched, touched
    assert f"{builds_path}/{builds['null.a']['id']}" in touched, touched
    created = [path for method, path in written(rerun) if method in ("POST", "PUT")]
    assert created == [], f"the rerun created buckets, versions or builds: {created}"

    version = e2e.version(bucket, fingerprint)
    assert_complete(version, "v1", fingerprint)
    assert [v["id"] for v in e2e.versions(bucket)] == [version["id"]]
    builds = e2e.builds(bucket, fingerprint)
    assert_null_build(builds["null.a"], version["id"])
    assert builds["null.a"]["labels"] == TWO_SOURCES_BUILD_LABELS, builds["null.a"]
    assert builds["file.b"] == file_build, "file.b changed although it was not rebuilt"
    assert e2e.channel(bucket, "latest")["version"]["id"] == version["id"]


def test_json_template_driven_by_env(e2e: E2E23) -> None:
    """(e) a JSON template without registry config, HCP_PACKER_BUCKET_NAME only."""
    bucket, fingerprint = unique_bucket("json"), "fp-e-1"
    template = e2e.copy_template("json-env")
    env = {"HCP_PACKER_BUCKET_NAME": bucket, **fingerprint_env(fingerprint)}
    run = e2e.build_ok("template.json", cwd=template, env=env)
    assert f'Tracking build on HCP Packer with fingerprint "{fingerprint}"' in run.output

    record = e2e.bucket(bucket)
    assert record["name"] == bucket
    assert not record.get("description"), record
    assert not record.get("labels"), record
    version = e2e.version(bucket, fingerprint)
    assert_complete(version, "v1", fingerprint)
    assert version["template_type"] == "JSON", version
    builds = e2e.builds(bucket, fingerprint)
    # JSON component names: the builder type, or "<type>.<name>" when a name is given.
    assert set(builds) == {"null.j", "file"}, builds
    assert_null_build(builds["null.j"], version["id"])
    assert_file_build(builds["file"], version["id"], "out/j.txt")
    for build in builds.values():
        assert not build.get("labels"), build
    assert e2e.channel(bucket, "latest")["version"]["id"] == version["id"]


def test_registry_off_publishes_nothing(e2e: E2E23) -> None:
    """(f) HCP_PACKER_REGISTRY=OFF: the build runs and the registry never hears of it."""
    bucket = unique_bucket("off")
    template = e2e.copy_template("two-sources")
    run = e2e.build_ok(
        "-var",
        f"bucket={bucket}",
        ".",
        cwd=template,
        env={"HCP_PACKER_REGISTRY": "OFF", **fingerprint_env("fp-f-1")},
    )
    assert "Tracking build on HCP Packer" not in run.output
    assert (template / "out" / "b.txt").exists()
    assert _requests(run.server_lines) == [], run.server_lines

    status, body = e2e.call("GET", f"/buckets/{bucket}")
    assert status == 404, body
    assert body["code"] == 5, body


def test_datasources_read_channel_and_refuse_revoked(e2e: E2E23) -> None:
    """(g) hcp-packer-version/-artifact read a channel's version; revoking it rolls `latest`
    back to the previous version, which Packer then reads; revoked and kept → Packer refuses."""
    bucket, fingerprint = unique_bucket("ds"), "fp-g-1"
    build_two_sources(e2e, bucket, fingerprint)
    version = e2e.version(bucket, fingerprint)
    builds = e2e.builds(bucket, fingerprint)
    latest = e2e.channel(bucket, "latest")
    assert latest["version"]["id"] == version["id"], latest

    # hcp-packer-version (GetChannel) feeding hcp-packer-artifact by fingerprint (GetVersion).
    by_version = e2e.copy_template("datasources")
    run = e2e.build_ok("-var", f"bucket={bucket}", ".", cwd=by_version)
    assert_echoed(
        run,
        VERSION_ID=version["id"],
        VERSION_NAME="v1",
        VERSION_FINGERPRINT=fingerprint,
        VERSION_STATUS="VERSION_ACTIVE",
        VERSION_BUCKET=bucket,
        CHANNEL_ID=latest["id"],
        NULL_EXTERNAL_ID="Null",
        NULL_COMPONENT="null.a",
        NULL_VERSION_ID=version["id"],
        NULL_BUILD_ID=builds["null.a"]["id"],
        NULL_LABEL_PIPELINE="e2e",
        FILE_EXTERNAL_ID="b.txt",
        FILE_COMPONENT="file.b",
    )
    # hcp-packer-artifact straight through a channel: the managed one, and one made by people.
    via_channel = e2e.copy_template("artifact-via-channel")
    run = e2e.build_ok("-var", f"bucket={bucket}", ".", cwd=via_channel)
    assert_echoed(
        run,
        VIA_CHANNEL_EXTERNAL_ID="Null",
        VIA_CHANNEL_CHANNEL_ID=latest["id"],
        VIA_CHANNEL_VERSION_ID=version["id"],
        VIA_CHANNEL_COMPONENT="null.a",
        VIA_CHANNEL_PLATFORM="null",
    )
    status, body = e2e.call(
        "POST",
        f"/buckets/{bucket}/channels",
        json={"name": "release", "version_fingerprint": fingerprint},
    )
    assert status == 200, body
    release = body["channel"]
    assert release["managed"] is False, release
    assert release["version"]["id"] == version["id"], release
    run = e2e.build_ok("-var", f"bucket={bucket}", "-var", "channel=release", ".", cwd=via_channel)
    assert_echoed(
        run,
        VIA_CHANNEL_EXTERNAL_ID="Null",
        VIA_CHANNEL_CHANNEL_ID=release["id"],
        VIA_CHANNEL_VERSION_ID=version["id"],
    )

    # A second version, on `latest` and promoted to `release` (whose history is v1, v2).
    build_two_sources(e2e, bucket, "fp-g-2")
    second = e2e.version(bucket, "fp-g-2")
    assert e2e.channel(bucket, "latest")["version"]["id"] == second["id"]
    status, body = e2e.call(
        "PATCH",
        f"/buckets/{bucket}/channels/release",
        json={"version_fingerprint": "fp-g-2", "update_mask": "versionFingerprint"},
    )
    assert status == 200, body

    # Revoke it now: every channel on it, the managed `latest` like the one made by people,
    # rolls back to its previous version (UpdateVersionBody: unless disable_rollback_channels),
    # and Packer reads that one through `latest`.
    status, body = e2e.call(
        "PATCH",
        f"/buckets/{bucket}/versions/fp-g-2",
        json={"revoke_at": now_rfc3339(), "revocation_message": "e2e: revoked"},
    )
    assert status == 200, body
    assert body["version"]["status"] == "VERSION_REVOKED", body
    for channel in ("latest", "release"):
        rolled_back = e2e.channel(bucket, channel)
        assert rolled_back["version"]["id"] == version["id"], rolled_back
        assert rolled_back["version"]["status"] == "VERSION_ACTIVE", rolled_back
    run = e2e.build_ok("-var", f"bucket={bucket}", ".", cwd=by_version)
    assert_echoed(run, VERSION_ID=version["id"], VERSION_NAME="v1", CHANNEL_ID=latest["id"])

    # Revoke v1 with disable_rollback_channels: `latest` keeps the revoked version, and both
    # data sources reading it refuse.
    status, body = e2e.call(
        "PATCH",
        f"/buckets/{bucket}/versions/{fingerprint}",
        json={
            "revoke_at": now_rfc3339(),
            "revocation_message": "e2e: revoked",
            "disable_rollback_channels": True,
        },
    )
    assert status == 200, body
    assert body["version"]["revoke_at"], body
    assert body["version"]["status"] == "VERSION_REVOKED", body
    still = e2e.channel(bucket, "latest")
    assert still["version"]["id"] == version["id"], still
    assert still["version"]["status"] == "VERSION_REVOKED", still

    refused = e2e.build_fails("-var", f"bucket={bucket}", ".", cwd=by_version)
    assert (
        "the HCP Packer Version associated with the channel latest is revoked and can not be "
        "used on Packer builds" in refused.output
    ), refused.output
    assert "VERSION_ID=" not in refused.stdout
    refused = e2e.build_fails("-var", f"bucket={bucket}", ".", cwd=via_channel)
    assert (
        f"the version {version['id']} is revoked and can not be used on Packer builds"
        in refused.output
    ), refused.output
    assert "VIA_CHANNEL_EXTERNAL_ID=" not in refused.stdout


def test_records_written_by_packer_match_the_spec(e2e: E2E23) -> None:
    """What Packer 1.16 wrote reads back in the 2023-01-01 spec's shapes, extra fields banned.

    Packer's UpdateBuild(BUILD_DONE) sends `metadata: {"packer": {...}, "vcs": null,
    "cicd": null}` (nil maps in Go interfaces); every read that embeds the build must still
    answer BuildMetadata, whose `vcs` and `cicd` are objects: unset, they are omitted.
    """
    bucket, fingerprint = unique_bucket("shapes"), "fp-s-1"
    build_two_sources(e2e, bucket, fingerprint)
    builds = e2e.builds(bucket, fingerprint)
    version_path = f"/buckets/{bucket}/versions/{fingerprint}"
    for path in (
        f"/buckets/{bucket}",
        "/buckets",
        f"/buckets/{bucket}/versions",
        version_path,
        f"{version_path}/builds",
        f"{version_path}/builds/{builds['null.a']['id']}",
        f"{version_path}/builds/{builds['file.b']['id']}",
        f"/buckets/{bucket}/channels",
        f"/buckets/{bucket}/channels/latest",
        f"/enforced_blocks/bucket/{bucket}",
    ):
        e2e.validated_get(path)


@pytest.mark.parametrize("pinned", ["nothing", "project"])
def test_discovers_organization_and_project(e2e: E2E23, pinned: str) -> None:
    """Without HCP_ORGANIZATION_ID (and HCP_PROJECT_ID) Packer asks resource-manager.

    api/client.go: the one organization the key sees is taken; then either the oldest
    project by created_at, or, when HCP_PROJECT_ID is set, that project after
    `GET /packer/2023-01-01/.../registry` confirms it has an active registry.
    """
    del e2e.env["HCP_ORGANIZATION_ID"]
    if pinned == "nothing":
        del e2e.env["HCP_PROJECT_ID"]
    bucket, fingerprint = unique_bucket(f"discover-{pinned}"), "fp-h-1"
    build_two_sources(e2e, bucket, fingerprint)

    calls = [(method, path) for method, path, _ in _requests(e2e.runs[-1].server_lines)]
    assert ("GET", "/resource-manager/2019-12-10/organizations") in calls, calls
    if pinned == "nothing":
        assert ("GET", "/resource-manager/2019-12-10/projects") in calls, calls
    else:
        assert ("GET", e2e.v2 + "/registry") in calls, calls
    # The bucket landed in the server's bootstrap project (the one the API client uses).
    assert_complete(e2e.version(bucket, fingerprint), "v1", fingerprint)


def test_client_binary_is_current_packer(packer_bin: Path) -> None:
    result = subprocess.run(
        [str(packer_bin), "version"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Packer v{PACKER_VERSION}"), result.stdout
