"""Packer 1.9.4 (the 2021-04-30 API) against a live Packyard, end to end.

Every test drives the real `packer` binary (built on demand by tests.support.clients) with a
fresh HOME and a fresh contributor key, then checks through the API what the registry holds.
Behaviour quoted from Packer's own source (github.com/hashicorp/packer@v1.9.4):

* internal/hcp/registry/types.iterations.go: the fingerprint is HCP_PACKER_BUILD_FINGERPRINT
  or else a fresh random ULID; 1.9.4 does NOT fingerprint with the git HEAD (the git SHA only
  becomes a `git_sha` build label when the template dir is in a repository).
* internal/hcp/registry/types.bucket.go: a complete iteration for the fingerprint stops the
  run ("... is complete. If you wish to add a new build to this image a new iteration must
  be created by changing the build fingerprint."); a failed build goes to FAILED; builds
  already DONE are skipped on a rerun, with a spurious `Error: hcp: failed to start build
  "<name>" build is already done` (a Packer 1.9.4 errors.As bug in command/build.go; the
  run still exits 0).
* Ctrl-C (SIGINT to packer's process group) marks the running build CANCELLED.
* datasource/hcp-packer-iteration: a channel's iteration whose revoke_at is past fails with
  "the iteration associated with the channel <c> is revoked and can not be used on Packer
  builds"; hcp-packer-image says "the iteration <id> is revoked ...".
* internal/hcp/api/client.go: without HCP_ORGANIZATION_ID Packer lists organizations, then
  projects (or, with HCP_PROJECT_ID alone, reads that project's registry).

On failure the test's captured stdout shows every packer run (stdout, stderr and the server
requests it caused); a failing packer run also shows the PACKER_LOG tail and server log.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.clients import packer_19
from tests.support.server import ApiClient, LiveServer, request_summary

pytestmark = pytest.mark.e2e

TEMPLATES = Path(__file__).parent / "templates"
PACKER_TIMEOUT = 300  # seconds per packer invocation
LOG_TAIL = 80  # server log lines shown with a failing packer run

TWO_SOURCES_DESCRIPTION = "Packyard e2e: null and file sources"
TWO_SOURCES_BUCKET_LABELS = {"team": "packyard", "os": "none"}
TWO_SOURCES_BUILD_LABELS = {"pipeline": "e2e", "packer": "1.9"}


# --------------------------------------------------------------------------- harness


@pytest.fixture(scope="session")
def packer_bin() -> Path:
    return packer_19()


@pytest.fixture(scope="session")
def admin_api(live_server: LiveServer) -> ApiClient:
    """The registry as people see it (reads, channel assignment, revocation): an admin key."""
    return live_server.api("admin")


@dataclass
class PackerRun:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    server_lines: list[str]
    log_path: Path

    def packer_log_tail(self, count: int = 60) -> str:
        if not self.log_path.exists():
            return "(no PACKER_LOG file)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-count:])

    @property
    def output(self) -> str:
        """stdout + stderr with whitespace runs folded (Packer wraps its messages at 80 columns)."""
        return " ".join((self.stdout + self.stderr).split())


@dataclass
class E2E:
    """One test's Packer workspace: a work dir, an environment, and a log of what ran."""

    server: LiveServer
    packer: Path
    workdir: Path
    env: dict[str, str]
    api: ApiClient
    runs: list[PackerRun] = field(default_factory=list)

    def copy_template(self, name: str) -> Path:
        target = self.workdir / name
        shutil.copytree(TEMPLATES / name, target)
        return target

    def _environment(self, env: dict[str, str] | None) -> tuple[dict[str, str], Path]:
        environment = dict(self.env)
        environment.update(env or {})
        log_path = self.workdir / f"packer-{len(self.runs) + 1}.log"
        environment.setdefault("PACKER_LOG", "1")
        environment.setdefault("PACKER_LOG_PATH", str(log_path))
        return environment, log_path

    def _record(
        self,
        args: tuple[str, ...],
        cwd: Path,
        env: dict[str, str] | None,
        outcome: tuple[int, str, str],
        log_from: int,
        log_path: Path,
    ) -> PackerRun:
        returncode, stdout, stderr = outcome
        lines = [line for line in self.server.log_text()[log_from:].splitlines() if line.strip()]
        run = PackerRun([*args], returncode, stdout, stderr, lines, log_path)
        self.runs.append(run)
        extra = {k: v for k, v in (env or {}).items() if k.startswith(("HCP_PACKER", "PACKER"))}
        # Captured stdout: pytest shows it with any failure of this test.
        print(f"\n$ {extra} packer {' '.join(args)}  (cwd={cwd}, rc={returncode})")
        print(f"--- stdout ---\n{stdout}--- stderr ---\n{stderr}--- server requests ---")
        print("\n".join(request_summary(line) for line in lines))
        return run

    def run(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> PackerRun:
        environment, log_path = self._environment(env)
        log_from = len(self.server.log_text())
        try:
            result = subprocess.run(
                [str(self.packer), *args],
                cwd=cwd,
                env=environment,
                capture_output=True,
                text=True,
                timeout=PACKER_TIMEOUT,
            )
            outcome = (result.returncode, result.stdout, result.stderr)
        except subprocess.TimeoutExpired as exc:
            stdout = _text(exc.stdout) + f"\n[packer timed out after {PACKER_TIMEOUT}s]"
            outcome = (-1, stdout, _text(exc.stderr))
        return self._record(args, cwd, env, outcome, log_from, log_path)

    def interrupt(
        self, *args: str, cwd: Path, after: tuple[str, ...], env: dict[str, str] | None = None
    ) -> PackerRun:
        """Run packer and press Ctrl-C once every `after` text is on its stdout.

        Like a terminal, SIGINT goes to packer's whole process group: packer runs under
        panicwrap, whose parent process ignores SIGINT sent to it alone.
        """
        environment, log_path = self._environment(env)
        log_from = len(self.server.log_text())
        process = subprocess.Popen(
            [str(self.packer), *args],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        seen: list[str] = []
        ready = threading.Event()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                seen.append(line)
                if all(marker in "".join(seen) for marker in after):
                    ready.set()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        signalled = ready.wait(PACKER_TIMEOUT)
        os.killpg(process.pid, signal.SIGINT if signalled else signal.SIGKILL)
        try:
            process.wait(timeout=PACKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=30)
        stderr = process.stderr.read() if process.stderr else ""
        run = self._record(
            args, cwd, env, (process.returncode, "".join(seen), stderr), log_from, log_path
        )
        if not signalled:
            pytest.fail(self.explain(run, f"packer never printed all of {after}"), pytrace=False)
        return run

    def build_ok(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> PackerRun:
        run = self.run("build", "-color=false", *args, cwd=cwd, env=env)
        if run.returncode != 0:
            pytest.fail(self.explain(run, "packer build failed"), pytrace=False)
        return run

    def build_fails(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> PackerRun:
        run = self.run("build", "-color=false", *args, cwd=cwd, env=env)
        if run.returncode == 0:
            pytest.fail(self.explain(run, "packer build was expected to fail"), pytrace=False)
        return run

    def explain(self, run: PackerRun, headline: str) -> str:
        tail = self.server.log_text().splitlines()[-LOG_TAIL:]
        return (
            f"{headline}: packer {' '.join(run.args)} (rc={run.returncode})\n"
            f"--- packer stdout ---\n{run.stdout}\n--- packer stderr ---\n{run.stderr}\n"
            f"--- PACKER_LOG ({run.log_path}, last 60 lines) ---\n{run.packer_log_tail()}\n"
            f"--- server log (last {LOG_TAIL} lines) ---\n" + "\n".join(tail)
        )

    # ----------------------------------------------------------------- registry reads

    def bucket(self, slug: str) -> dict[str, Any]:
        response = self.api.get(self.api.v1 + f"/images/{slug}")
        assert response.status_code == 200, response.text
        bucket: dict[str, Any] = response.json()["bucket"]
        return bucket

    def iterations(self, slug: str) -> list[dict[str, Any]]:
        response = self.api.get(self.api.v1 + f"/images/{slug}/iterations")
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json().get("iterations", [])
        return items

    def iteration(self, slug: str, *, fingerprint: str) -> dict[str, Any]:
        response = self.api.get(
            self.api.v1 + f"/images/{slug}/iteration", params={"fingerprint": fingerprint}
        )
        assert response.status_code == 200, response.text
        iteration: dict[str, Any] = response.json()["iteration"]
        return iteration

    def builds(self, slug: str, iteration_id: str) -> dict[str, dict[str, Any]]:
        response = self.api.get(self.api.v1 + f"/images/{slug}/iterations/{iteration_id}/builds")
        assert response.status_code == 200, response.text
        builds = response.json().get("builds", [])
        by_component = {build["component_type"]: build for build in builds}
        assert len(by_component) == len(builds), f"duplicate component types: {builds}"
        return by_component


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def _requests(lines: list[str]) -> list[tuple[str, str, int]]:
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "path" in entry:
            out.append((str(entry["method"]), str(entry["path"]), int(entry["status"])))
    return out


@pytest.fixture
def e2e(
    live_server: LiveServer, packer_bin: Path, tmp_path: Path, admin_api: ApiClient
) -> Iterator[E2E]:
    env = live_server.client_env("contributor")
    yield E2E(live_server, packer_bin, tmp_path, env, admin_api)
    shutil.rmtree(env["HOME"], ignore_errors=True)


def unique_bucket(label: str) -> str:
    return f"e2e19-{label}-{uuid.uuid4().hex[:10]}"


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def fingerprint_env(fingerprint: str) -> dict[str, str]:
    return {"HCP_PACKER_BUILD_FINGERPRINT": fingerprint}


def build_two_sources(e2e: E2E, bucket: str, fingerprint: str, *, fail_code: int = 0) -> Path:
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


def assert_null_build(build: dict[str, Any], iteration_id: str) -> None:
    assert build["status"] == "DONE", build
    assert build["iteration_id"] == iteration_id, build
    assert build["cloud_provider"] == "null", build
    assert [(i["image_id"], i["region"]) for i in build["images"]] == [("Null", "null")], build
    assert build["source_image_id"] == "null", build  # the null artifact's SourceImageID
    assert build["packer_run_uuid"], build


def assert_file_build(build: dict[str, Any], iteration_id: str, target: str) -> None:
    assert build["status"] == "DONE", build
    assert build["iteration_id"] == iteration_id, build
    assert build["cloud_provider"] == "packer.file", build
    region, _, image_id = target.rpartition("/")
    assert [(i["image_id"], i["region"]) for i in build["images"]] == [(image_id, region or ".")], (
        build
    )
    assert build["source_image_id"] == "<no-defined-source-file>", build  # `content`, no `source`
    assert build["packer_run_uuid"], build


def assert_complete(iteration: dict[str, Any], version: int, fingerprint: str) -> None:
    assert iteration["complete"] is True, iteration
    assert iteration["incremental_version"] == version, iteration
    assert iteration["fingerprint"] == fingerprint, iteration


# --------------------------------------------------------------------------- scenarios


def test_hcl2_build_publishes_bucket_iteration_and_builds(e2e: E2E) -> None:
    """(a) hcp_packer_registry with two no-cloud sources → one complete iteration, v1."""
    bucket, fingerprint = unique_bucket("hcl2"), "fp-a-1"
    template = build_two_sources(e2e, bucket, fingerprint)
    run = e2e.runs[-1]
    assert f'Tracking build on HCP Packer with fingerprint "{fingerprint}"' in run.output
    assert f"Published metadata to HCP Packer registry packer/{bucket}/iterations/" in run.output
    assert (template / "out" / "b.txt").read_text() == "x"

    record = e2e.bucket(bucket)
    assert record["slug"] == bucket
    assert record["description"] == TWO_SOURCES_DESCRIPTION
    assert record["labels"] == TWO_SOURCES_BUCKET_LABELS
    assert record["iteration_count"] == "1"

    iterations = e2e.iterations(bucket)
    assert len(iterations) == 1, iterations
    iteration = iterations[0]
    assert_complete(iteration, 1, fingerprint)
    assert record["latest_iteration"]["id"] == iteration["id"], record
    assert record["latest_version"] == 1, record
    assert sorted(record["platforms"]) == ["null", "packer.file"], record

    builds = e2e.builds(bucket, iteration["id"])
    assert set(builds) == {"null.a", "file.b"}, builds
    assert_null_build(builds["null.a"], iteration["id"])
    assert_file_build(builds["file.b"], iteration["id"], "out/b.txt")
    for build in builds.values():
        assert build["labels"] == TWO_SOURCES_BUILD_LABELS, build
    # The iteration read by fingerprint carries the template type and embeds the builds.
    by_fingerprint = e2e.iteration(bucket, fingerprint=fingerprint)
    assert by_fingerprint["id"] == iteration["id"]
    assert by_fingerprint["template_type"] == "HCL2", by_fingerprint
    assert {b["component_type"]: b["status"] for b in by_fingerprint["builds"]} == {
        "null.a": "DONE",
        "file.b": "DONE",
    }


def test_rebuild_with_same_fingerprint_is_refused(e2e: E2E) -> None:
    """(b) the iteration for the fingerprint is complete → Packer stops, nothing new."""
    bucket, fingerprint = unique_bucket("same-fp"), "fp-b-1"
    template = build_two_sources(e2e, bucket, fingerprint)
    first = e2e.iterations(bucket)
    assert len(first) == 1

    run = e2e.build_fails(
        "-var", f"bucket={bucket}", ".", cwd=template, env=fingerprint_env(fingerprint)
    )
    assert f"This iteration associated to the fingerprint {fingerprint} is complete" in run.output
    assert "a new iteration must be created by changing the build fingerprint" in run.output

    after = e2e.iterations(bucket)
    assert [i["id"] for i in after] == [first[0]["id"]], after
    assert_complete(after[0], 1, fingerprint)
    assert e2e.bucket(bucket)["iteration_count"] == "1"
    # The refusal happened on the fingerprint look-up: no iteration or build was written.
    written = [
        (method, path)
        for method, path, _ in _requests(run.server_lines)
        if method in ("POST", "PATCH") and "/packer/" in path
    ]
    assert written == [("PATCH", e2e.api.v1 + f"/images/{bucket}")], written


def test_new_fingerprint_makes_version_two(e2e: E2E) -> None:
    """(c) a new fingerprint → a second iteration, incremental_version 2."""
    bucket = unique_bucket("new-fp")
    build_two_sources(e2e, bucket, "fp-c-1")
    build_two_sources(e2e, bucket, "fp-c-2")

    by_fingerprint = {i["fingerprint"]: i for i in e2e.iterations(bucket)}
    assert set(by_fingerprint) == {"fp-c-1", "fp-c-2"}, by_fingerprint
    assert_complete(by_fingerprint["fp-c-1"], 1, "fp-c-1")
    assert_complete(by_fingerprint["fp-c-2"], 2, "fp-c-2")
    second = by_fingerprint["fp-c-2"]
    builds = e2e.builds(bucket, second["id"])
    assert_null_build(builds["null.a"], second["id"])
    assert_file_build(builds["file.b"], second["id"], "out/b.txt")

    record = e2e.bucket(bucket)
    assert record["iteration_count"] == "2"
    assert record["latest_version"] == 2, record
    assert record["latest_iteration"]["id"] == second["id"], record


def test_failed_build_is_retried_alone(e2e: E2E) -> None:
    """(d) one source fails → iteration incomplete; a rerun redoes only that build."""
    bucket, fingerprint = unique_bucket("retry"), "fp-d-1"
    template = build_two_sources(e2e, bucket, fingerprint, fail_code=1)
    failed_run = e2e.runs[-1]
    assert "Build 'null.a' errored" in failed_run.output
    assert f'Iteration "{fingerprint}" is not complete' in failed_run.output
    assert '"null.a": FAILED' in failed_run.output

    iterations = e2e.iterations(bucket)
    assert len(iterations) == 1, iterations
    iteration = iterations[0]
    assert iteration["complete"] is False, iteration
    assert not iteration.get("incremental_version"), iteration
    builds = e2e.builds(bucket, iteration["id"])
    assert set(builds) == {"null.a", "file.b"}, builds
    assert builds["null.a"]["status"] == "FAILED", builds["null.a"]
    assert not builds["null.a"].get("images"), builds["null.a"]
    assert_file_build(builds["file.b"], iteration["id"], "out/b.txt")
    file_build = builds["file.b"]

    # Same fingerprint, provisioner fixed. Remove file.b's output: it must not be rebuilt.
    (template / "out" / "b.txt").unlink()
    build_two_sources(e2e, bucket, fingerprint)
    rerun = e2e.runs[-1]
    # Packer 1.9.4 means to print `skipping already done build "file.b"`, but its errors.As
    # target (command/build.go) never matches the *ErrBuildAlreadyDone it gets, so it prints
    # this diagnostic instead; the build is skipped and the run still succeeds either way.
    assert 'Error: hcp: failed to start build "file.b" build is already done' in rerun.output
    assert not (template / "out" / "b.txt").exists(), "file.b was built again"
    touched = [path for method, path, _ in _requests(rerun.server_lines) if method == "PATCH"]
    assert e2e.api.v1 + f"/builds/{file_build['id']}" not in touched, touched
    assert e2e.api.v1 + f"/builds/{builds['null.a']['id']}" in touched, touched
    created = [p for m, p, _ in _requests(rerun.server_lines) if m == "POST" and "/packer/" in p]
    assert created == [], f"the rerun created iterations or builds: {created}"

    iterations = e2e.iterations(bucket)
    assert [i["id"] for i in iterations] == [iteration["id"]], iterations
    assert_complete(iterations[0], 1, fingerprint)
    builds = e2e.builds(bucket, iteration["id"])
    assert_null_build(builds["null.a"], iteration["id"])
    assert builds["null.a"]["labels"] == TWO_SOURCES_BUILD_LABELS, builds["null.a"]
    assert builds["file.b"] == file_build, "file.b changed although it was not rebuilt"


def test_json_template_driven_by_env(e2e: E2E) -> None:
    """(e) a JSON template without registry config, HCP_PACKER_BUCKET_NAME only."""
    bucket, fingerprint = unique_bucket("json"), "fp-e-1"
    template = e2e.copy_template("json-env")
    env = {"HCP_PACKER_BUCKET_NAME": bucket, **fingerprint_env(fingerprint)}
    run = e2e.build_ok("template.json", cwd=template, env=env)
    assert f'Tracking build on HCP Packer with fingerprint "{fingerprint}"' in run.output

    record = e2e.bucket(bucket)
    assert record["slug"] == bucket
    assert not record.get("description"), record
    assert not record.get("labels"), record
    iterations = e2e.iterations(bucket)
    assert len(iterations) == 1, iterations
    iteration = iterations[0]
    assert_complete(iteration, 1, fingerprint)
    assert e2e.iteration(bucket, fingerprint=fingerprint)["template_type"] == "JSON"
    builds = e2e.builds(bucket, iteration["id"])
    # JSON component names: the builder type, or "<type>.<name>" when a name is given.
    assert set(builds) == {"null.j", "file"}, builds
    assert_null_build(builds["null.j"], iteration["id"])
    assert_file_build(builds["file"], iteration["id"], "out/j.txt")
    for build in builds.values():
        assert not build.get("labels"), build


def test_registry_off_publishes_nothing(e2e: E2E) -> None:
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

    response = e2e.api.get(e2e.api.v1 + f"/images/{bucket}")
    assert response.status_code == 404, response.text
    assert response.json()["code"] == 5, response.text


def test_datasources_read_channel_and_refuse_revoked(e2e: E2E) -> None:
    """(g) hcp-packer-iteration/-image read a channel's iteration; revoked → Packer refuses."""
    bucket, fingerprint = unique_bucket("ds"), "fp-g-1"
    build_two_sources(e2e, bucket, fingerprint)
    iteration = e2e.iteration(bucket, fingerprint=fingerprint)
    builds = e2e.builds(bucket, iteration["id"])

    # Promotion is done by people: assign the iteration to a new channel through the API.
    channels = e2e.api.v1 + f"/images/{bucket}/channels"
    created = e2e.api.post(channels, json={"slug": "release", "iteration_id": iteration["id"]})
    assert created.status_code == 200, created.text
    channel = created.json()["channel"]
    assert channel["iteration"]["id"] == iteration["id"], channel

    # hcp-packer-iteration (GetChannel) feeding hcp-packer-image by iteration_id (GetIteration).
    by_iteration = e2e.copy_template("datasources")
    run = e2e.build_ok("-var", f"bucket={bucket}", ".", cwd=by_iteration)
    assert_echoed(
        run,
        ITERATION_ID=iteration["id"],
        ITERATION_VERSION="1",
        ITERATION_FINGERPRINT=fingerprint,
        ITERATION_COMPLETE="true",
        CHANNEL_ID=channel["id"],
        NULL_IMAGE_ID="Null",
        NULL_COMPONENT="null.a",
        NULL_ITERATION_ID=iteration["id"],
        NULL_BUILD_ID=builds["null.a"]["id"],
        FILE_IMAGE_ID="b.txt",
        FILE_COMPONENT="file.b",
    )
    # hcp-packer-image straight through the channel.
    via_channel = e2e.copy_template("image-via-channel")
    run = e2e.build_ok("-var", f"bucket={bucket}", ".", cwd=via_channel)
    assert_echoed(
        run,
        VIA_CHANNEL_IMAGE_ID="Null",
        VIA_CHANNEL_CHANNEL_ID=channel["id"],
        VIA_CHANNEL_ITERATION_ID=iteration["id"],
        VIA_CHANNEL_COMPONENT="null.a",
    )

    # Revoke now. Without rollback_channels the channel keeps pointing at the iteration.
    revoked = e2e.api.patch(
        e2e.api.v1 + f"/iterations/{iteration['id']}",
        json={"revoke_at": now_rfc3339(), "revocation_message": "e2e: revoked"},
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["iteration"]["revoke_at"], revoked.text
    still = e2e.api.get(channels + "/release").json()["channel"]
    assert still["iteration"]["id"] == iteration["id"], still
    assert still["iteration"]["revoke_at"], still

    refused = e2e.build_fails("-var", f"bucket={bucket}", ".", cwd=by_iteration)
    assert (
        "the iteration associated with the channel release is revoked and can not be used "
        "on Packer builds" in refused.output
    ), refused.output
    assert "ITERATION_ID=" not in refused.stdout
    refused = e2e.build_fails("-var", f"bucket={bucket}", ".", cwd=via_channel)
    assert (
        f"the iteration {iteration['id']} is revoked and can not be used on Packer builds"
        in refused.output
    ), refused.output
    assert "VIA_CHANNEL_IMAGE_ID=" not in refused.stdout


def assert_echoed(run: PackerRun, **expected: str) -> None:
    """Each KEY=value was echoed by the shell-local provisioner (Packer prefixes the source)."""
    lines = {line.strip().split(": ", 1)[-1] for line in run.stdout.splitlines()}
    missing = {key: value for key, value in expected.items() if f"{key}={value}" not in lines}
    assert not missing, f"not echoed: {missing}\n{run.stdout}"


def test_interrupted_build_is_cancelled_then_resumed(e2e: E2E) -> None:
    """Ctrl-C while null.a provisions → that build CANCELLED; the same fingerprint resumes.

    types.bucket.go: on a cancelled context the build goes to CANCELLED (not FAILED).
    """
    bucket, fingerprint = unique_bucket("cancel"), "fp-i-1"
    template = e2e.copy_template("two-sources")
    run = e2e.interrupt(
        "build",
        "-color=false",
        "-var",
        f"bucket={bucket}",
        "-var",
        "pause=300",
        ".",
        cwd=template,
        env=fingerprint_env(fingerprint),
        after=("provisioning null.a", "Build 'file.b' finished"),
    )
    assert run.returncode != 0, e2e.explain(run, "an interrupted build exited 0")

    iteration = e2e.iteration(bucket, fingerprint=fingerprint)
    assert iteration["complete"] is False, iteration
    builds = e2e.builds(bucket, iteration["id"])
    assert builds["null.a"]["status"] == "CANCELLED", builds["null.a"]
    assert_file_build(builds["file.b"], iteration["id"], "out/b.txt")

    build_two_sources(e2e, bucket, fingerprint)
    iteration = e2e.iteration(bucket, fingerprint=fingerprint)
    assert_complete(iteration, 1, fingerprint)
    builds = e2e.builds(bucket, iteration["id"])
    assert_null_build(builds["null.a"], iteration["id"])
    assert_file_build(builds["file.b"], iteration["id"], "out/b.txt")


@pytest.mark.parametrize("pinned", ["nothing", "project"])
def test_discovers_organization_and_project(e2e: E2E, pinned: str) -> None:
    """Without HCP_ORGANIZATION_ID (and HCP_PROJECT_ID) Packer asks resource-manager.

    api/client.go: the one organization the key sees is taken; then either the oldest
    project by created_at, or, when HCP_PROJECT_ID is set, that project after
    `GET .../registry` confirms it has an active registry.
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
        assert ("GET", e2e.api.v1 + "/registry") in calls, calls
    # The bucket landed in the server's bootstrap project (the one the API client uses).
    assert_complete(e2e.iteration(bucket, fingerprint=fingerprint), 1, fingerprint)


def test_client_binary_is_packer_19(packer_bin: Path) -> None:
    result = subprocess.run(
        [str(packer_bin), "version"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Packer v1.9.4"), result.stdout
