"""The exports a user pastes trust Packyard *and* every root the system trusts.

`packyard serve` prints `SSL_CERT_FILE`, which Go programs (Packer, its plugins, the
Terraform provider) read in place of the system's PEM trust store. The server here builds its
bundle from a temporary copy of the system store that holds one more root, made by the test;
a site signed by that root stands for any HTTPS API the system trusts (a plugin download, a
cloud builder's API). The machine's real trust store is left untouched.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from packyard.tls import ensure_certificates
from packyard.trust import system_trust_store
from tests.e2e.test_packer_19 import E2E, assert_complete, build_two_sources
from tests.e2e.test_packer_current import E2E23
from tests.support.clients import packer_19, packer_current
from tests.support.prebuild import TRUSTCHECK_NAME, awaited
from tests.support.server import LiveServer, free_port, packyard

pytestmark = pytest.mark.e2e

TRUSTCHECK = Path(__file__).parent / "trustcheck" / "main.go"


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def system_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS site on loopback whose root only the test's copy of the system store has."""
    files = ensure_certificates(tmp_path_factory.mktemp("system-site"), "127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    site = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    site.socket = context.wrap_socket(site.socket, server_side=True)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{site.server_address[1]}/", files.ca
    site.shutdown()
    site.server_close()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, system_site: tuple[str, Path]
) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("bundled")
    system_copy = root / "system-roots.pem"
    system_copy.write_bytes(system_trust_store().read_bytes() + system_site[1].read_bytes())
    live = LiveServer(data_dir=root / "data", port=free_port())
    live.start(env={"PACKYARD_SYSTEM_TRUST_STORE": str(system_copy)})
    yield live
    live.stop()


@pytest.fixture(scope="module")
def trustcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Go program that GETs URLs with Go's default roots, as the HashiCorp clients do."""
    binary = tmp_path_factory.mktemp("trustcheck") / "trustcheck"
    awaited(TRUSTCHECK_NAME)  # scripts/test compiles it in the background
    subprocess.run(
        [shutil.which("go") or "go", "build", "-o", str(binary), str(TRUSTCHECK)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return binary


def _printed_exports(text: str) -> dict[str, str]:
    """The `export K=V` lines as a shell would take them (a later line wins)."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            values[key] = value
    return values


def _user_shell(printed: dict[str, str], home: Path) -> dict[str, str]:
    """A user's environment with the printed lines pasted in, and no roots but what they name:
    an empty certificate directory stands for platforms that keep roots only in the file."""
    no_dir = home / "no-cert-dir"
    no_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HCP_", "PACKER_", "SSL_"))}
    env.update(printed)
    env.update({"HOME": str(home), "SSL_CERT_DIR": str(no_dir), "CHECKPOINT_DISABLE": "1"})
    return env


def test_the_printed_exports_trust_packyard_and_the_system_roots(
    server: LiveServer, system_site: tuple[str, Path], trustcheck: Path, tmp_path: Path
) -> None:
    printed = _printed_exports(server.log_text())
    assert printed["SSL_CERT_FILE"] == server.trust_path
    urls = [server.base_url + "/readyz", system_site[0]]
    shell = _user_shell(printed, tmp_path)
    checked = subprocess.run(
        [str(trustcheck), *urls], env=shell, capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines() == [f"ok {urls[0]} 200", f"ok {urls[1]} 204"]
    # The lone CA the exports used to name: Packyard verifies, every other site fails.
    lone = subprocess.run(
        [str(trustcheck), *urls],
        env={**shell, "SSL_CERT_FILE": server.ca_path},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert lone.returncode == 1
    assert lone.stdout.splitlines()[0] == f"ok {urls[0]} 200"
    assert "certificate signed by unknown authority" in lone.stdout.splitlines()[1]


def test_env_prints_the_bundle_the_server_printed(server: LiveServer) -> None:
    printed = _printed_exports(packyard("env", data_dir=server.data_dir).stdout)
    assert printed["SSL_CERT_FILE"] == server.trust_path
    assert "HCP_CLIENT_SECRET" not in printed


@pytest.mark.parametrize("packer", ["1.9", "current"])
def test_packer_builds_with_the_printed_exports(
    server: LiveServer, packer: str, tmp_path: Path
) -> None:
    printed = _printed_exports(server.log_text())
    assert printed["HCP_CLIENT_SECRET"], "the first start prints the admin secret"
    home = tmp_path / "home"
    home.mkdir()
    workspace = E2E if packer == "1.9" else E2E23
    binary = packer_19() if packer == "1.9" else packer_current()
    work = workspace(server, binary, tmp_path, _user_shell(printed, home), server.api("viewer"))
    bucket, fingerprint = f"trust-{packer.replace('.', '')}-{uuid.uuid4().hex[:8]}", "trust-1"
    build_two_sources(work, bucket, fingerprint)
    assert_complete(work.iteration(bucket, fingerprint=fingerprint), 1, fingerprint)
