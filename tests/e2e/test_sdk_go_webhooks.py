"""hcp-sdk-go's generated cloud-webhook 2023-05-31 client against a live Packyard whose
settings let it reach the test receiver (tests/sdk/webhooks_test.go: create, get, list,
update by update_mask, rename, deliveries, delete)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_sdk_go import SDK_MODULE, go_caches
from tests.support.prebuild import SDK_TESTS, awaited
from tests.support.server import running_server
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.e2e


def test_hcp_sdk_go_cloud_webhook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKYARD_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    receiver = Receiver("sdk-key")
    try:
        with running_server(tmp_path) as server:
            env = server.client_env("admin")
            env["PACKYARD_SDK_WEBHOOK_URL"] = receiver.url
            env.update({k: v for k, v in go_caches().items() if k not in os.environ})
            awaited(SDK_TESTS)  # scripts/test compiles them in the background
            result = subprocess.run(
                ["go", "test", "-count=1", "-v", "-run", "^TestWebhooks$", "./..."],
                cwd=SDK_MODULE,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            output = result.stdout + result.stderr
            assert result.returncode == 0, f"go test failed:\n{output}\n{server.log_text()[-4000:]}"
            assert "--- PASS: TestWebhooks" in output
        [test] = receiver.received
        assert test.payload["event_action"] == "test" and test.signed is True
    finally:
        receiver.close()
