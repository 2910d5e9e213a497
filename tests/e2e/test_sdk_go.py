"""hcp-sdk-go's generated 2021-04-30, 2023-01-01, resource-manager and cloud-iam (workload
identity providers) clients against a live Packyard.

The Go module in tests/sdk reads its whole configuration from the environment, the way
Packer and the Terraform provider do; this test gives it an admin principal's environment,
after importing the small OSV database in tests/sdk/testdata/osv that its vulnerability
steps expect (PACKYARD_SDK_OSV_IMPORTED tells them it is there).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.prebuild import SDK_TESTS, awaited
from tests.support.server import LiveServer, packyard, running_server

SDK_MODULE = Path(__file__).resolve().parents[1] / "sdk"
OSV_RECORDS = SDK_MODULE / "testdata" / "osv"

pytestmark = pytest.mark.e2e


def go_caches() -> dict[str, str]:
    """The caller's Go module and build caches: the client's fresh HOME must not empty them."""
    out = subprocess.run(
        ["go", "env", "-json", "GOPATH", "GOMODCACHE", "GOCACHE"],
        capture_output=True,
        text=True,
        check=True,
        cwd=SDK_MODULE,
    ).stdout
    return {key: value for key, value in json.loads(out).items() if value}


def test_hcp_sdk_go_2021_04_30(tmp_path: Path) -> None:
    assert shutil.which("go"), "the Go toolchain is required (see README)"
    # A server of its own: the steps find what they made on a list's first page.
    with running_server(tmp_path) as live_server:
        _run_sdk_tests(live_server)


def _run_sdk_tests(live_server: LiveServer) -> None:
    # The vulnerability reads need an OSV database: the Go module cannot import one itself.
    packyard("vulndb", "import", str(OSV_RECORDS), data_dir=live_server.data_dir)
    env = live_server.client_env("admin")
    env["PACKYARD_SDK_OSV_IMPORTED"] = "1"
    # The cloud-iam steps give workload identity providers to a principal of the project.
    project_principal = live_server.principal("contributor", project=live_server.project_id)
    env["PACKYARD_SDK_WIP_PRINCIPAL"] = project_principal.name
    env.update({key: value for key, value in go_caches().items() if key not in os.environ})
    awaited(SDK_TESTS)  # scripts/test compiles them in the background
    result = subprocess.run(
        # TestWebhooks needs a receiver the server may reach: test_sdk_go_webhooks.py runs it.
        ["go", "test", "-count=1", "-v", "-skip", "TestWebhooks", "./..."],
        cwd=SDK_MODULE,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    server_log = live_server.log_text()[-8000:]
    assert result.returncode == 0, (
        f"go test failed:\n{output}\n--- server log (tail) ---\n{server_log}"
    )
