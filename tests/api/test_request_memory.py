"""A large request body sent before any credential is refused without being held in memory:
each route reads its body as a stream against its limit (the token endpoint's is a few KiB).

A server of its own for each request, so that its workers' peak memory is that request's alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import LiveServer, running_server

HUGE = 256 << 20  # bytes sent in each request
CHUNK = b"x" * (64 << 10)
GROWTH_BOUND = 48 << 20  # what a worker's peak memory may grow by in all


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    with running_server(tmp_path) as live:
        yield live


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (the server's workers are its children)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            found += _tree(int(child))
    return found


def _peak_kib(pids: list[int]) -> dict[int, int]:
    """VmHWM (peak resident memory) of each process, in KiB."""
    peaks = {}
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[pid] = int(line.split()[1])
    return peaks


def _huge() -> Iterator[bytes]:
    for _ in range(HUGE // len(CHUNK)):
        yield CHUNK


@pytest.mark.parametrize("path", ["/oauth2/token", "/runtasks/no-such-task", "api"])
def test_a_huge_body_without_credentials_is_refused_in_bounded_memory(server, path):
    assert server.process is not None
    if path == "api":
        path = (
            f"/packer/2021-04-30/organizations/{server.org_id}/projects/{server.project_id}/images"
        )
    pids = _tree(server.process.pid)
    assert len(pids) >= 2, pids  # the serving process and its worker
    before = _peak_kib(pids)
    with httpx.Client(verify=server.tls(), timeout=120) as http:
        response = http.request(
            "PUT" if path.endswith("/images") else "POST",
            server.base_url + path,
            content=_huge(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    body = response.json()
    assert response.status_code == (401 if path.endswith("/images") else 400), body
    if path.endswith("/images"):
        assert body["code"] == 16
    elif path == "/oauth2/token":
        assert body["error"] == "invalid_request" and "too large" in body["error_description"]
    else:
        assert body["code"] == 3 and "limit" in body["message"]
    after = _peak_kib(pids)
    for pid in pids:
        assert (after[pid] - before[pid]) * 1024 < GROWTH_BOUND, (pid, before, after)
    # The server still answers, and a small request still gets its usual answer.
    assert httpx.get(server.base_url + "/healthz", verify=server.tls()).status_code == 200
    small = httpx.post(
        server.base_url + "/oauth2/token",
        data={"grant_type": "client_credentials"},
        verify=server.tls(),
    )
    assert small.status_code == 401
