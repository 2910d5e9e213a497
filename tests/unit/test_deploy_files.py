"""The example deployment files of deploy/ are valid for the tools that read them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from packyard.config import PoolSettings, RunTaskSettings, database_url
from tests.support.replicas import HAPROXY_CONFIG, Balancer, render_config, shared_tls

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_systemd_units_verify(tmp_path):
    """systemd-analyze finds nothing to say about the units (with this machine's packyard)."""
    packyard = shutil.which("packyard")
    assert packyard, "the packyard command is not installed"
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert [unit.name for unit in units] == ["packyard-migrate.service", "packyard.service"]
    for unit in units:
        text = unit.read_text()
        assert "/opt/packyard/bin/packyard " in text
        (tmp_path / unit.name).write_text(text.replace("/opt/packyard/bin/packyard", packyard))
    result = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


def test_environment_file_is_valid_settings():
    values = dict(
        line.split("=", 1)
        for line in (DEPLOY / "packyard.env").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert database_url(values["PACKYARD_DATABASE_URL"]).startswith("postgresql+psycopg://")
    assert urlsplit(values["PACKYARD_DATABASE_URL"]).password is None, "a password in the URL"
    pool = PoolSettings.from_env(values)
    assert pool == PoolSettings()  # the file shows the defaults
    assert RunTaskSettings.from_env(values) == RunTaskSettings()


def test_haproxy_config_is_accepted(tmp_path):
    """deploy/haproxy.cfg, with its site lines made local, passes `haproxy -c` (the replica
    tests run HAProxy on exactly this rendering)."""
    ca, _cert, _key, pem = shared_tls(tmp_path)
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        render_config(
            HAPROXY_CONFIG.read_text(),
            bind="127.0.0.1:8443",
            pem=pem,
            ca=ca,
            servers=[("replica1", "127.0.0.1:9001"), ("replica2", "127.0.0.1:9002")],
            stats_socket=tmp_path / "stats.sock",
        )
    )
    Balancer(tmp_path, 8443, config, tmp_path / "stats.sock").check()
    broken = tmp_path / "broken.cfg"
    broken.write_text(config.read_text().replace("balance roundrobin", "balance sideways"))
    refused = subprocess.run(
        ["haproxy", "-c", "-f", str(broken)], capture_output=True, text=True, timeout=30
    )
    assert refused.returncode != 0
