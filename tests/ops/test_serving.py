"""How `packyard serve` guards itself: /metrics behind PACKYARD_METRICS_TOKEN, and plain HTTP
only on loopback unless asked for on the network; and the event loop its workers run on."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import PACKYARD, free_port, packyard, running_server


def test_metrics_can_be_put_behind_a_bearer_token(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PACKYARD_METRICS_TOKEN", "metrics-secret-1")
        with running_server(tmp_path) as server:
            url, tls = server.base_url + "/metrics", server.tls()
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
                refused = httpx.get(url, headers=headers, verify=tls)
                assert refused.status_code == 401, refused.text
                assert refused.json()["code"] == 16 and refused.json()["details"] == []
                assert refused.headers["www-authenticate"].startswith("Bearer")
                assert "packyard_requests_total" not in refused.text
            allowed = httpx.get(
                url, headers={"Authorization": "Bearer metrics-secret-1"}, verify=tls
            )
            assert allowed.status_code == 200
            assert "packyard_read_cache_bytes" in allowed.text
            # The other operations routes stay open, for the balancer's health checks.
            assert httpx.get(server.base_url + "/readyz", verify=tls).status_code == 200


def test_the_workers_run_on_uvloop_unless_told_otherwise(tmp_path: Path) -> None:
    """uvloop is a dependency, and `packyard serve` names it as its workers' event loop;
    PACKYARD_EVENT_LOOP chooses Python's own instead, and refuses a loop it does not know."""
    for loop, workers, env in (
        ("uvloop", 2, {}),
        ("asyncio", 1, {"PACKYARD_EVENT_LOOP": "asyncio"}),
    ):
        root = tmp_path / loop
        root.mkdir()
        with pytest.MonkeyPatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            with running_server(root, "--workers", str(workers)) as server:
                deadline = time.monotonic() + 10
                while len(_serving(server.log_text())) < workers and time.monotonic() < deadline:
                    time.sleep(0.1)
                serving = _serving(server.log_text())
                assert [line.endswith(f" on the {loop} event loop") for line in serving] == [
                    True
                ] * workers, serving
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("PACKYARD_EVENT_LOOP", "tokio")
        refused = _serve(tmp_path / "refused", "--port", str(free_port()))
        _, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    assert "PACKYARD_EVENT_LOOP must be one of uvloop, asyncio, not 'tokio'" in err
    assert "Traceback" not in err


def _serving(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("worker process ")]


def _serve(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PACKYARD, "serve", "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _plain_http_answer(process: subprocess.Popen[str], port: int) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not answer")


def test_plain_http_is_refused_off_loopback_unless_asked_for(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "::", "192.0.2.10"):
        refused = packyard(
            "serve", "--insecure-http", "--host", host, data_dir=tmp_path / "d", check=False
        )
        assert refused.returncode == 1, refused
        assert refused.stderr.count("\n") == 1 and "--insecure-http-on-network" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not (tmp_path / "d" / "server.json").exists()  # refused before anything started

    for args in (("--host", "127.0.0.1"), ("--host", "0.0.0.0", "--insecure-http-on-network")):
        port = free_port()
        process = _serve(tmp_path / args[1], "--insecure-http", "--port", str(port), *args)
        try:
            answer = _plain_http_answer(process, port)
            assert answer.status_code == 200
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "strict-transport-security" not in answer.headers  # not over plain HTTP
        finally:
            process.terminate()
            process.communicate(timeout=20)
    assert os.path.exists(tmp_path / "0.0.0.0" / "server.json")
