"""The CA bundle: every root of the system's trust store, then Packyard's CA, kept current."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import certifi
import pytest

from packyard import trust
from packyard.tls import ensure_certificates
from packyard.trust import ensure_bundle, system_trust_store
from tests.support.server import LiveServer, free_port, packyard

PEM_BLOCK = r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----"


def _certificates(path: Path) -> list[bytes]:
    """The DER of every PEM certificate in a file, in order (some system roots have serial
    numbers that cryptography warns about, so the blocks are decoded by the ssl module)."""
    blocks = re.findall(PEM_BLOCK, path.read_text(), flags=re.DOTALL)
    return [ssl.PEM_cert_to_DER_cert(block) for block in blocks]


def test_the_bundle_holds_every_system_root_and_the_ca(tmp_path: Path) -> None:
    system = system_trust_store()
    ca = ensure_certificates(tmp_path, "127.0.0.1").ca
    bundle = ensure_bundle(ca, system_store=system)
    assert bundle == ca.with_name("ca-bundle.pem")
    roots = _certificates(system)
    assert len(roots) > 10  # a real trust store, not an empty file
    assert _certificates(bundle) == [*roots, *_certificates(ca)]


def test_the_platform_store_is_found_and_certifi_stands_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert system_trust_store() in trust.SYSTEM_TRUST_STORES  # this machine keeps one
    assert system_trust_store(tmp_path / "given.pem") == tmp_path / "given.pem"
    monkeypatch.setattr(trust, "SYSTEM_TRUST_STORES", (tmp_path / "none.pem",))
    assert system_trust_store() == Path(certifi.where())


def test_the_bundle_follows_the_system_store_and_the_ca(tmp_path: Path) -> None:
    system = tmp_path / "system.pem"
    system.write_bytes(certifi.contents().encode())
    data_dir = tmp_path / "data"
    ca = ensure_certificates(data_dir, "127.0.0.1").ca
    bundle = ensure_bundle(ca, system_store=system)
    written = bundle.stat()
    assert ensure_bundle(ca, system_store=system).stat().st_ino == written.st_ino  # unchanged
    # A root the system store gains is in the bundle at the next start.
    extra = ensure_certificates(tmp_path / "extra", "127.0.0.1").ca
    system.write_bytes(system.read_bytes() + extra.read_bytes())
    assert _certificates(extra)[0] in _certificates(ensure_bundle(ca, system_store=system))
    # A new CA replaces the old one in the bundle.
    old_ca = _certificates(ca)[0]
    for path in (data_dir / "tls").iterdir():
        path.unlink()
    ca = ensure_certificates(data_dir, "127.0.0.1").ca
    certificates = _certificates(ensure_bundle(ca, system_store=system))
    assert certificates[-1] == _certificates(ca)[0] != old_ca
    assert old_ca not in certificates


def test_an_operators_certificate_prints_no_ssl_cert_file(tmp_path: Path) -> None:
    own = ensure_certificates(tmp_path / "own", "127.0.0.1")
    server = LiveServer(data_dir=tmp_path / "data", port=free_port(), ca_file=own.ca)
    server.start("--cert", str(own.cert), "--key", str(own.key))
    try:
        for printed in (server.log_text(), packyard("env", data_dir=server.data_dir).stdout):
            assert "export HCP_API_ADDRESS=" in printed
            assert "SSL_CERT_FILE" not in printed.replace("# No SSL_CERT_FILE", "")
            assert "# No SSL_CERT_FILE: this server's own certificate (--cert)" in printed
        assert not (server.data_dir / "tls").exists()
    finally:
        server.stop()
