"""The packyard command's help, errors and exit codes."""

from __future__ import annotations

import json
import subprocess

from tests.support.server import PACKYARD, packyard


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PACKYARD, *args], capture_output=True, text=True, timeout=60)


def test_help_everywhere():
    for command in (
        [],
        ["serve"],
        ["env"],
        ["principal"],
        ["principal", "create"],
        ["migrate"],
        ["project", "create"],
    ):
        result = _run(*command, "--help")
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    assert _run("frobnicate").returncode == 2
    result = _run("principal", "create", "x", "--role", "boss", "--data-dir", str(tmp_path))
    assert result.returncode == 2
    assert "role" in result.stderr


def test_runtime_errors_exit_1(tmp_path):
    result = packyard("env", data_dir=tmp_path, check=False)
    assert result.returncode == 1
    assert "packyard serve" in result.stderr
    result = packyard("principal", "delete", "ghost", data_dir=tmp_path, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_principals_round_trip(tmp_path):
    packyard("project", "create", "first", "--new-organization", data_dir=tmp_path)
    created = json.loads(
        packyard(
            "principal", "create", "ci", "--role", "contributor", "--json", data_dir=tmp_path
        ).stdout
    )
    assert created["role"] == "contributor" and created["client_secret"]
    listed = json.loads(packyard("principal", "list", "--json", data_dir=tmp_path).stdout)
    assert [p["name"] for p in listed] == ["ci"]
    assert "secret" not in json.dumps(listed)
    duplicate = packyard(
        "principal", "create", "ci", "--role", "viewer", data_dir=tmp_path, check=False
    )
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    rotated = json.loads(packyard("principal", "rotate", "ci", "--json", data_dir=tmp_path).stdout)
    assert rotated["client_id"] == created["client_id"]
    assert rotated["client_secret"] != created["client_secret"]
    packyard("principal", "delete", "ci", data_dir=tmp_path)
    assert json.loads(packyard("principal", "list", "--json", data_dir=tmp_path).stdout) == []


def test_env_prints_exports(live_server):
    out = packyard("env", data_dir=live_server.data_dir).stdout
    assert f"export HCP_API_ADDRESS={live_server.address}" in out
    assert f"export HCP_AUTH_URL={live_server.base_url}" in out
    assert f"export SSL_CERT_FILE={live_server.trust_path}" in out
    assert f"export HCP_PROJECT_ID={live_server.project_id}" in out
    assert "HCP_CLIENT_SECRET=" not in out
    rotated = packyard("env", "--rotate", data_dir=live_server.data_dir).stdout
    assert "export HCP_CLIENT_SECRET=" in rotated


def test_serve_refuses_a_taken_port(live_server, tmp_path):
    result = subprocess.run(
        [*PACKYARD, "serve", "--data-dir", str(tmp_path), "--port", str(live_server.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


def test_sigterm_stops_gracefully(tmp_path):
    from tests.support.server import LiveServer, free_port

    server = LiveServer(data_dir=tmp_path / "data", port=free_port())
    server.start()
    assert server.process is not None
    server.stop()
    assert server.process.returncode == 0
    assert "shutdown" in server.log_text().lower()
