"""Where the people's commands find the server: `packyard login` profiles or the HCP_* variables,
a token cached until it expires, and the exit codes of a refusal."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, home_env


@pytest.fixture
def bare(live_server, tmp_path) -> Cli:
    """`packyard` with no HCP_* variables and an empty home: only what login stores."""
    env = {k: v for k, v in live_server.client_env("admin").items() if not k.startswith("HCP_")}
    env.pop("SSL_CERT_FILE", None)
    return Cli(home_env(live_server, env, tmp_path / "home"))


def _profiles(cli: Cli) -> Path:
    return Path(cli.env["XDG_CONFIG_HOME"]) / "packyard" / "profiles.json"


def test_login_stores_an_owner_only_profile_the_commands_use(bare, live_server, api, name):
    key = live_server.principal("contributor")
    assert "packyard login" in bare.fails(1, "bucket", "ls")
    answer = json.loads(
        bare.ok(
            "login",
            "--url",
            live_server.base_url,
            "--client-id",
            key.client_id,
            "--client-secret",
            key.client_secret,
            "--ca-file",
            live_server.ca_path,
            "--json",
        )
    )
    assert (answer["organization_id"], answer["project_id"]) == (
        live_server.org_id,
        live_server.project_id,
    )
    path = _profiles(bare)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())["default"]
    assert stored["client_id"] == key.client_id and stored["api_url"] == live_server.base_url
    bare.ok("bucket", "create", name)
    assert api.get(api.v2 + f"/buckets/{name}").status_code == 200
    # a second profile, picked by --profile; an unknown one is a usage error
    viewer = live_server.principal("viewer")
    text = bare.ok(
        "login",
        "--url",
        live_server.base_url,
        "--profile",
        "reader",
        "--client-id",
        viewer.client_id,
        "--ca-file",
        live_server.ca_path,
        input=viewer.client_secret + "\n",  # the secret is prompted for
    )
    assert 'profile "reader" stored' in text
    assert set(json.loads(path.read_text())) == {"default", "reader"}
    assert name in bare.ok("bucket", "ls", "--profile", "reader")
    assert "may not" in bare.fails(1, "bucket", "delete", name, "--yes", "--profile", "reader")
    assert api.get(api.v2 + f"/buckets/{name}").status_code == 200
    assert 'no profile named "nope"' in bare.fails(2, "bucket", "ls", "--profile", "nope")


def test_login_refuses_a_bad_key_or_url_and_stores_nothing(bare, live_server):
    key = live_server.principal("viewer")
    common = ["--client-id", key.client_id, "--ca-file", live_server.ca_path]
    assert "refused" in bare.fails(
        1, "login", "--url", live_server.base_url, *common, "--client-secret", "wrong"
    )
    bare.fails(2, "login", "--url", "ftp://example", *common, "--client-secret", "x")
    bare.fails(2, "login", "--url", live_server.base_url + "/api", *common, "--client-secret", "x")
    untrusted = ["--client-id", key.client_id, "--client-secret", key.client_secret]
    assert "cannot reach" in bare.fails(1, "login", "--url", live_server.base_url, *untrusted)
    assert not _profiles(bare).exists()


def test_hcp_variables_and_the_token_cache(cli, live_server):
    """The admin's `packyard` runs on the HCP_* variables `packyard env` prints; a token is
    fetched once and cached, owner-only, for the commands after."""
    home = Path(cli.env["HOME"]) / "fresh"
    fresh = Cli(home_env(live_server, {**cli.env}, home))
    before = live_server.log_text().count('"/oauth2/token"')
    fresh.ok("bucket", "ls")
    fresh.ok("bucket", "ls", "--json")
    assert live_server.log_text().count('"/oauth2/token"') == before + 1
    cache = home / ".cache" / "packyard" / "tokens.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    # a token the server no longer takes is fetched anew, once
    entries = json.loads(cache.read_text())
    cache.write_text(json.dumps({k: {**v, "access_token": "stale"} for k, v in entries.items()}))
    fresh.ok("bucket", "ls")
    assert live_server.log_text().count('"/oauth2/token"') == before + 2
    # HCP_API_HOST wins over HCP_API_ADDRESS, as in the hcp-sdk-go
    moved = fresh(
        "bucket", "ls", env={"HCP_API_ADDRESS": "127.0.0.1:1", "HCP_API_HOST": live_server.address}
    )
    assert moved.returncode == 0, moved.stderr
    assert "HCP_API_TLS" in fresh.fails(2, "bucket", "ls", env={"HCP_API_TLS": "maybe"})
    gone = fresh("bucket", "ls", env={"HCP_API_HOST": "127.0.0.1:1"})
    assert gone.returncode == 1 and "cannot reach" in gone.stderr


def test_help_and_shell_completion(cli):
    for command in ("bucket", "version", "channel", "revocation", "sbom", "build"):
        assert "Usage" in cli.ok(command, "--help")
    for command in ("revoke", "resolve", "find", "ancestry", "login"):
        assert "Usage" in cli.ok(command, "--help")
    completion = cli.ok("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert "complete" in completion
    cli.fails(2, "bucket", "frobnicate")
