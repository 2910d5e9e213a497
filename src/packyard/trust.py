"""The CA bundle the printed exports point clients at: the system's trust store plus our CA.

Go programs (Packer, its plugins, the Terraform provider) and OpenSSL take `SSL_CERT_FILE`
as *the* file of trusted roots, in place of the system's. Pointing it at Packyard's CA
alone would make every other HTTPS call in the same shell fail - `packer init` fetching
plugins, a builder calling its cloud's API. So the exports name a bundle: every root the
system trusts, then Packyard's CA.
"""

from __future__ import annotations

import os
from pathlib import Path

import certifi

SYSTEM_TRUST_STORES = (
    Path("/etc/ssl/certs/ca-certificates.crt"),  # Debian, Ubuntu, Arch, Gentoo
    Path("/etc/pki/tls/certs/ca-bundle.crt"),  # Fedora, RHEL
    Path("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),  # RHEL, CentOS
    Path("/etc/ssl/ca-bundle.pem"),  # openSUSE
    Path("/etc/ssl/cert.pem"),  # Alpine, macOS, the BSDs
)
"""Where platforms keep their PEM trust store, in the order Go's crypto/x509 looks."""

BUNDLE_NAME = "ca-bundle.pem"


def system_trust_store(configured: Path | None = None) -> Path:
    """The system's PEM trust store: the configured file, the platform's, else certifi's."""
    if configured is not None:
        return configured
    for candidate in SYSTEM_TRUST_STORES:
        if candidate.is_file():
            return candidate
    return Path(certifi.where())


def bundle_content(system_store: Path, ca: Path) -> bytes:
    roots = system_store.read_bytes().rstrip(b"\n")
    return b"%s\n# Packyard's local CA (%s)\n%s" % (roots, bytes(ca), ca.read_bytes())


def ensure_bundle(ca: Path, *, system_store: Path) -> Path:
    """Write the bundle beside the CA when it is missing or differs from what it should hold.

    Comparing the whole content, rather than modification times, rewrites it whenever the
    CA changes or the system store gains or loses a root, and never leaves it stale after a
    clock step. The write is atomic: a client reading the bundle sees the old or the new.
    """
    bundle = ca.with_name(BUNDLE_NAME)
    content = bundle_content(system_store, ca)
    if bundle.is_file() and bundle.read_bytes() == content:
        return bundle
    staging = bundle.with_name(f".{BUNDLE_NAME}.{os.getpid()}")
    staging.write_bytes(content)
    os.replace(staging, bundle)
    return bundle
