"""Real Packer builds through HAProxy to three replicas: both planes, requests spread."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.clients import packer_19, packer_current
from tests.support.replicas import ReplicaSet

E2E = Path(__file__).resolve().parents[1] / "e2e"


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("version", "templates"), [("1.9", "templates"), ("current", "templates_current")]
)
def test_packer_build_through_the_balancer(
    replica_set: ReplicaSet, tmp_path: Path, version: str, templates: str
) -> None:
    """Packer 1.9 (2021-04-30) and current Packer (2023-01-01) publish a whole build
    through the balancer, their requests answered by every replica in turn."""
    packer = packer_19() if version == "1.9" else packer_current()
    bucket = f"replicated-packer-{version.replace('.', '-')}"
    work = tmp_path / "work"
    shutil.copytree(E2E / templates / "two-sources", work)
    before = replica_set.requests_served(bucket)
    result = subprocess.run(
        [str(packer), "build", "-var", f"bucket={bucket}", "."],
        cwd=work,
        env=replica_set.front.client_env("contributor"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    after = replica_set.requests_served(bucket)
    assert all(b > a for a, b in zip(before, after, strict=True)), (before, after)
    api = replica_set.front.api("viewer")
    latest = api.get(api.v2 + f"/buckets/{bucket}/channels/latest").json()["channel"]
    assert latest["version"]["name"] == "v1"
    assert {b["component_type"] for b in latest["version"]["builds"]} == {"null.a", "file.b"}
