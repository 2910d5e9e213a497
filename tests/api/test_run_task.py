"""The Terraform Cloud run task: signed requests, plans checked against revoked artifacts."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.api.conftest import error, push


class FakeTerraformCloud:
    """Serves one plan's JSON and records the verdicts sent to the callback URL."""

    def __init__(self) -> None:
        self.plan: dict[str, Any] = {}
        self.verdicts: list[tuple[str, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps(outer.plan).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PATCH(self) -> None:
                length = int(self.headers["Content-Length"])
                outer.verdicts.append(
                    (self.headers["Authorization"], json.loads(self.rfile.read(length)))
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while len(self.verdicts) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.verdicts) >= count, "no verdict arrived"
        authorization, verdict = self.verdicts[count - 1]
        assert authorization == "Bearer run-token"
        return dict(verdict["data"]["attributes"])


@pytest.fixture
def tfc():
    fake = FakeTerraformCloud()
    yield fake
    fake.server.shutdown()


def _send(live_server, admin, payload: dict[str, Any], *, key: str | None = None):
    task = admin.get(admin.v1 + "/runtasks/validation").json()
    body = json.dumps(payload).encode()
    signature = hmac.new((key or task["hmac_key"]).encode(), body, hashlib.sha512).hexdigest()
    return httpx.post(
        task["api_url"],
        content=body,
        verify=live_server.tls(),
        headers={"X-TFC-Task-Signature": signature, "Content-Type": "application/json"},
    )


def _payload(tfc: FakeTerraformCloud) -> dict[str, Any]:
    return {
        "payload_version": 1,
        "access_token": "run-token",
        "stage": "post_plan",
        "plan_json_api_url": tfc.url + "/plan",
        "task_result_callback_url": tfc.url + "/callback",
    }


def test_verification_request(live_server, admin):
    response = _send(live_server, admin, {"access_token": "test-token"})
    assert response.status_code == 200


def test_unsigned_requests_refused(live_server, admin, tfc):
    error(_send(live_server, admin, _payload(tfc), key="wrong"), 401, 16)
    task = admin.get(admin.v1 + "/runtasks/validation").json()
    missing = httpx.post(
        task["api_url"].rsplit("/", 1)[0] + "/01NOSUCHTASK", content=b"{}", verify=live_server.tls()
    )
    error(missing, 404, 5)
    assert tfc.verdicts == []


def test_plan_with_revoked_artifact_fails(live_server, admin, tfc, name):
    good = push(admin, f"{name}-good", "fp-1", components=(f"amazon.{name}-good",))
    bad = push(admin, f"{name}-bad", "fp-1", components=(f"amazon.{name}-bad",))
    bad_image = bad["builds"][0]["images"][0]["image_id"]
    good_image = good["builds"][0]["images"][0]["image_id"]
    tfc.plan = {"resource_changes": [{"change": {"after": {"ami": good_image}}}]}
    assert _send(live_server, admin, _payload(tfc)).status_code == 200
    passed = tfc.wait(1)
    assert passed["status"] == "passed"

    admin.patch(admin.v1 + f"/iterations/{bad['id']}", json={"revoke_in": "0s"})
    tfc.plan = {"planned_values": {"root_module": {"resources": [{"values": {"ami": bad_image}}]}}}
    assert _send(live_server, admin, _payload(tfc)).status_code == 200
    failed = tfc.wait(2)
    assert failed["status"] == "failed"
    assert bad_image in failed["message"]
