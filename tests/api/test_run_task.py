"""The Terraform Cloud run task: signed requests, plans checked against revoked artifacts, and
only the allowed Terraform hosts reached, within bounds, once per task result.

The module runs its own server, which allows the fake Terraform Cloud's loopback address
(127.0.0.1) as the settings let an operator allow a network; 127.0.0.2 is an allowed host name
whose address is not, and "localhost" is no allowed host at all.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import error, push
from tests.support.server import ApiClient, LiveServer, running_server

MAX_PLAN = 64 * 1024
DEADLINE = 4
ENV = {
    "PACKYARD_RUN_TASK_ALLOWED_HOSTS": "127.0.0.1,127.0.0.2",
    "PACKYARD_RUN_TASK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "PACKYARD_RUN_TASK_MAX_PLAN_BYTES": str(MAX_PLAN),
    "PACKYARD_RUN_TASK_DEADLINE": str(DEADLINE),
}
_results = itertools.count()

Reply = Callable[[BaseHTTPRequestHandler], None]


class FakeTerraformCloud:
    """Serves plans (by path) and records every request and the verdicts sent to it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.plan: dict[str, Any] = {}
        self.replies: dict[str, Reply] = {}  # GET or PATCH path -> how to answer
        self.requests: list[tuple[str, str, str | None]] = []  # method, path, Authorization
        self.verdicts: list[tuple[str, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                outer.requests.append(("GET", self.path, self.headers.get("Authorization")))
                reply = outer.replies.get(self.path)
                if reply is not None:
                    return reply(self)
                body = json.dumps(outer.plan).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PATCH(self) -> None:
                outer.requests.append(("PATCH", self.path, self.headers.get("Authorization")))
                length = int(self.headers["Content-Length"])
                verdict = json.loads(self.rfile.read(length))
                reply = outer.replies.get(self.path)
                if reply is not None:
                    return reply(self)
                outer.verdicts.append((self.headers["Authorization"], verdict))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int) -> dict[str, Any]:
        deadline = time.monotonic() + 20
        while len(self.verdicts) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.verdicts) >= count, f"no verdict arrived: {self.requests}"
        authorization, verdict = self.verdicts[count - 1]
        assert authorization == "Bearer run-token"
        return dict(verdict["data"]["attributes"])

    def paths(self, method: str) -> list[str]:
        return [path for kind, path, _ in self.requests if kind == method]


@pytest.fixture(scope="module")
def live_server(
    store_backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of this module's own, started (and restarted) with the run task settings."""
    root: Path = tmp_path_factory.mktemp(f"run-task-{store_backend}")
    database = None
    if store_backend == "postgresql":
        database = request.getfixturevalue("postgres").create_database()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENV.items():
            patch.setenv(key, value)
        with running_server(root, database=database) as server:
            yield server


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture
def tfc() -> Iterator[FakeTerraformCloud]:
    fake = FakeTerraformCloud()
    yield fake
    fake.server.shutdown()


@pytest.fixture
def elsewhere() -> Iterator[FakeTerraformCloud]:
    """A receiver on 127.0.0.2: an allowed host name whose (loopback) address is not."""
    fake = FakeTerraformCloud("127.0.0.2")
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


def _payload(tfc: FakeTerraformCloud, plan: str = "/plan", callback: str = "/callback"):
    return {
        "payload_version": 1,
        "access_token": "run-token",
        "stage": "post_plan",
        "run_id": "run-abc",
        "run_created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "task_result_id": f"taskrs-{next(_results)}-{time.monotonic_ns()}",
        "plan_json_api_url": plan if "://" in plan else tfc.url + plan,
        "task_result_callback_url": callback if "://" in callback else tfc.url + callback,
    }


def _judged(live_server, admin, tfc, **urls: str) -> dict[str, Any]:
    """Send one run and answer the verdict it gets."""
    count = len(tfc.verdicts)
    assert _send(live_server, admin, _payload(tfc, **urls)).status_code == 200
    return tfc.wait(count + 1)


def _logged(live_server: LiveServer, *fragments: str) -> None:
    """Wait for a server log line holding every fragment."""
    deadline = time.monotonic() + 20
    while not any(
        all(fragment in line for fragment in fragments)
        for line in live_server.log_text().splitlines()
    ):
        assert time.monotonic() < deadline, f"{fragments!r} never logged"
        time.sleep(0.05)


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
    without_result = _payload(tfc)
    del without_result["task_result_id"]
    error(_send(live_server, admin, without_result), 400, 3)
    assert tfc.requests == []


def test_plan_with_revoked_artifact_fails(live_server, admin, tfc, name):
    good = push(admin, f"{name}-good", "fp-1", components=(f"amazon.{name}-good",))
    bad = push(admin, f"{name}-bad", "fp-1", components=(f"amazon.{name}-bad",))
    bad_image = bad["builds"][0]["images"][0]["image_id"]
    good_image = good["builds"][0]["images"][0]["image_id"]
    tfc.plan = {"resource_changes": [{"change": {"after": {"ami": good_image}}}]}
    assert _judged(live_server, admin, tfc)["status"] == "passed"

    admin.patch(admin.v1 + f"/iterations/{bad['id']}", json={"revoke_in": "0s"})
    tfc.plan = {"planned_values": {"root_module": {"resources": [{"values": {"ami": bad_image}}]}}}
    failed = _judged(live_server, admin, tfc)
    assert failed["status"] == "failed"
    assert bad_image in failed["message"]


def test_a_task_result_is_served_once(live_server, admin, tfc):
    """A replayed request (or Terraform sending one again) is answered and nothing is done,
    on a restarted server too: the receipt is in the store."""
    payload = _payload(tfc)
    assert _send(live_server, admin, payload).status_code == 200
    assert tfc.wait(1)["status"] == "passed"
    assert _send(live_server, admin, payload).status_code == 200
    _logged(live_server, f'"already_received": "{payload["task_result_id"]}"')
    live_server.stop()
    live_server.start()
    assert _send(live_server, admin, payload).status_code == 200
    later = _payload(tfc)
    assert _send(live_server, admin, later).status_code == 200
    tfc.wait(2)  # the new task result is served, after the replays were not
    assert tfc.paths("GET") == ["/plan", "/plan"]
    assert tfc.paths("PATCH") == ["/callback", "/callback"]
    stale = {**_payload(tfc), "run_created_at": "2020-01-01T00:00:00Z"}
    error(_send(live_server, admin, stale), 400, 9)


def _reply(status: int, body: bytes, headers: dict[str, str] | None = None) -> Reply:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def _chunked(chunks: int, size: int, pause: float = 0.0) -> Reply:
    """A plan sent in chunks with no length given, slowly if asked."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            for _ in range(chunks):
                handler.wfile.write(b"%x\r\n%s\r\n" % (size, b" " * size))
                handler.wfile.flush()
                time.sleep(pause)
            handler.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # Packyard stopped reading, as it should

    return answer


UNREADABLE = {
    "declared too large": (_reply(200, b"{}", {"Content-Length": str(MAX_PLAN + 1)}), "larger"),
    "streamed too large": (_chunked(2 * MAX_PLAN // 1024, 1024), "larger"),
    "too slow": (_chunked(100, 1, pause=0.5), "deadline"),
    "not JSON": (_reply(200, b"<html>plan</html>"), "not JSON"),
    "not an object": (_reply(200, b"[1, 2]"), "not a JSON object"),
    "an error status": (_reply(500, b"{}"), "HTTP 500"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_unreadable_plan_gets_a_failed_verdict(live_server, admin, tfc, case):
    reply, reason = UNREADABLE[case]
    tfc.replies["/bad-plan"] = reply
    started = time.monotonic()
    verdict = _judged(live_server, admin, tfc, plan="/bad-plan")
    assert verdict["status"] == "failed"
    assert "could not check the plan" in verdict["message"]
    assert reason in verdict["message"], verdict["message"]
    assert time.monotonic() - started < DEADLINE + 3


def test_a_refused_plan_destination_gets_a_failed_verdict(live_server, admin, tfc, elsewhere):
    port = tfc.url.rsplit(":", 1)[1]
    for plan, reason in (
        (f"http://localhost:{port}/plan", "not an allowed Terraform host"),
        (elsewhere.url + "/plan", "127.0.0.2 is a loopback address"),
        ("http://127.0.0.1:1/plan", "cannot be reached"),
        ("file:///etc/passwd", "not an http(s) URL"),
        (f"http://127.0.0.1:{port}x/plan", "is not a URL"),
    ):
        verdict = _judged(live_server, admin, tfc, plan=plan)
        assert verdict["status"] == "failed"
        assert reason in verdict["message"] or "could not be read" in verdict["message"], verdict
    assert tfc.paths("GET") == []
    assert elsewhere.requests == []


def test_redirects_are_followed_only_to_allowed_destinations(live_server, admin, tfc, elsewhere):
    tfc.replies["/out"] = _reply(302, b"", {"Location": elsewhere.url + "/plan"})
    verdict = _judged(live_server, admin, tfc, plan="/out")
    assert verdict["status"] == "failed" and "loopback" in verdict["message"]
    assert elsewhere.requests == []

    tfc.replies["/in"] = _reply(307, b"", {"Location": "/plan"})
    assert _judged(live_server, admin, tfc, plan="/in")["status"] == "passed"
    assert [(path, token) for kind, path, token in tfc.requests if kind == "GET"] == [
        ("/out", "Bearer run-token"),
        ("/in", "Bearer run-token"),
        ("/plan", "Bearer run-token"),
    ]
    tfc.replies["/loop"] = _reply(302, b"", {"Location": "/loop"})
    verdict = _judged(live_server, admin, tfc, plan="/loop")
    assert verdict["status"] == "failed" and "redirected more than" in verdict["message"]

    # The verdict itself is never sent on through a redirect.
    tfc.replies["/moved"] = _reply(307, b"", {"Location": "/callback"})
    payload = _payload(tfc, callback="/moved")
    assert _send(live_server, admin, payload).status_code == 200
    _logged(live_server, '"callback_failed": 307')
    assert tfc.paths("PATCH") == ["/callback"] * 3 + ["/moved"]


def test_a_refused_callback_gets_nothing(live_server, admin, tfc, elsewhere):
    port = tfc.url.rsplit(":", 1)[1]
    for callback, reason in (
        (elsewhere.url + "/callback", "127.0.0.2 is a loopback address"),
        (f"http://localhost:{port}/callback", "localhost"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ):
        assert _send(live_server, admin, _payload(tfc, callback=callback)).status_code == 200
        _logged(live_server, "callback_refused", reason)
    assert tfc.requests == []
    assert elsewhere.requests == []
