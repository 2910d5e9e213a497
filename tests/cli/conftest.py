"""The people's commands run as a person runs them: `packyard ...` in a subprocess, against a
live server, with the HCP_* variables (or a stored profile) and a home directory of their own."""

from __future__ import annotations

import base64
import itertools
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import zstandard

from tests.support.server import PACKYARD, ApiClient, LiveServer

_names = itertools.count()
SPDX = {"spdxVersion": "SPDX-2.3", "name": "image", "packages": [{"name": "zlib"}]}


@dataclass
class Cli:
    """`packyard` with one environment: a key's HCP_* variables, or none and a profile."""

    env: dict[str, str]

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*PACKYARD, *args],
            capture_output=True,
            text=True,
            input=input if input is not None else "",
            env={**self.env, **(env or {})},
            timeout=120,
        )

    def ok(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
        result = self(*args, input=input, env=env)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def fails(
        self, code: int, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> str:
        """The command exits with `code` and one clear line on stderr, never a traceback."""
        result = self(*args, input=input, env=env)
        assert result.returncode == code, (args, code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip(), args
        return result.stderr


def home_env(server: LiveServer, env: dict[str, str], home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **env,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "COLUMNS": "200",
    }


@pytest.fixture(scope="session")
def cli(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """An admin's `packyard`, pointed at the server by the HCP_* variables."""
    env = live_server.client_env("admin")
    return Cli(home_env(live_server, env, tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="session")
def viewer_cli(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Cli:
    env = live_server.client_env("viewer")
    return Cli(home_env(live_server, env, tmp_path_factory.mktemp("home")))


@pytest.fixture(scope="session")
def api(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A bucket name unique in the session."""
    return f"{request.node.name.replace('_', '-')[:30]}-{next(_names)}"


def push(
    api: ApiClient,
    bucket: str,
    fingerprint: str,
    *,
    platforms: tuple[str, ...] = ("aws", "docker"),
    parent: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What Packer 1.10+ does (bucket, version, builds RUNNING then DONE with artifacts)."""
    if api.get(api.v2 + f"/buckets/{bucket}", check=False).status_code == 404:
        assert api.put(api.v2 + "/buckets", json={"name": bucket}).status_code == 200
    created = api.post(api.v2 + f"/buckets/{bucket}/versions", json={"fingerprint": fingerprint})
    assert created.status_code == 200, created.text
    base = api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds"
    ids = []
    for platform in platforms:  # Packer creates every build before it runs any
        fields: dict[str, Any] = {"component_type": f"{platform}.x", "status": "BUILD_UNSET"}
        fields.update(parent or {})
        build = api.post(base, json=fields)
        assert build.status_code == 200, build.text
        ids.append(build.json()["build"]["id"])
    for platform, build_id in zip(platforms, ids, strict=True):
        done = api.patch(
            f"{base}/{build_id}",
            json={
                "status": "BUILD_DONE",
                "platform": platform,
                "artifacts": [
                    {"external_identifier": f"{platform}-{bucket}-{fingerprint}", "region": "r1"}
                ],
                "labels": {"os": "linux"},
            },
        )
        assert done.status_code == 200, done.text
    found = api.get(api.v2 + f"/buckets/{bucket}/versions/{fingerprint}").json()["version"]
    return dict(found)


def channel(api: ApiClient, bucket: str, name: str, fingerprint: str) -> dict[str, Any]:
    created = api.post(
        api.v2 + f"/buckets/{bucket}/channels",
        json={"name": name, "version_fingerprint": fingerprint},
    )
    assert created.status_code == 200, created.text
    return dict(created.json()["channel"])


def upload_sbom(api: ApiClient, bucket: str, fingerprint: str, build_id: str) -> None:
    document = base64.b64encode(zstandard.ZstdCompressor().compress(json.dumps(SPDX).encode()))
    uploaded = api.put(
        api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds/{build_id}/sboms",
        json={"compressed_sbom": document.decode(), "format": "SPDX", "name": "os"},
    )
    assert uploaded.status_code == 200, uploaded.text


def snapshot(api: ApiClient, bucket: str) -> Any:
    """What a bucket holds (its versions and channels), to prove a command wrote nothing."""
    base = api.v2 + f"/buckets/{bucket}"
    got = api.get(base, check=False)
    if got.status_code == 404:
        return None
    return {
        "bucket": got.json()["bucket"],
        "versions": api.get(base + "/versions").json()["versions"],
        "channels": api.get(base + "/channels").json()["channels"],
    }


@pytest.fixture
def pushed(api: ApiClient, name: str) -> Iterator[dict[str, Any]]:
    """A bucket with v1 and v2, "staging" on v2 and "production" on v1."""
    first = push(api, name, "fp-1")
    second = push(api, name, "fp-2")
    channel(api, name, "production", "fp-1")
    channel(api, name, "staging", "fp-2")
    yield {"bucket": name, "v1": first, "v2": second}


def field(text: str, label: str) -> str:
    """The value of one `label: value` line of a command's text output."""
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() == label:
            return value.strip()
    raise AssertionError(f"no {label!r} line in:\n{text}")
