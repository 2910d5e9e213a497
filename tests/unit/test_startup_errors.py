"""`packyard serve` refuses what it cannot use with one line naming the problem and the remedy."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from packyard.tls import ensure_certificates
from tests.support.server import PACKYARD, free_port


def _serve(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PACKYARD, "serve", "--data-dir", str(data_dir), "--port", str(free_port()), *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _private_dir(path: Path) -> Path:
    """A data directory as Packyard makes one (owner-only), so no mode warning comes first."""
    path.mkdir(mode=0o700, parents=True)
    return path


def _refused(result: subprocess.CompletedProcess[str], *phrases: str) -> str:
    """The one-line error of a refused start, checked for each phrase."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]
    return lines[0]


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody can write in: a read-only mount for root (who ignores modes)."""
    target = tmp_path / "read-only"
    target.mkdir()
    if os.geteuid() != 0:
        target.chmod(0o555)
        yield target
        target.chmod(0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_a_data_dir_under_a_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = _serve(tmp_path / "a-file" / "data")
    _refused(result, "cannot create the data directory", "--data-dir")
    assert (tmp_path / "a-file").read_text() == ""


def test_a_read_only_data_dir(read_only_dir: Path) -> None:
    _refused(_serve(read_only_dir), "cannot write in the data directory", "--data-dir")
    _refused(_serve(read_only_dir / "data"), "cannot create the data directory")


def test_a_store_that_is_not_a_database(tmp_path: Path) -> None:
    data_dir = _private_dir(tmp_path / "data")
    (data_dir / "packyard.db").write_bytes(b"this is not a database" * 100)
    (data_dir / "packyard.db").chmod(0o600)
    _refused(_serve(data_dir), "cannot open the store", "packyard restore")
    assert (data_dir / "packyard.db").read_bytes() == b"this is not a database" * 100


def test_a_store_that_is_a_directory(tmp_path: Path) -> None:
    data_dir = _private_dir(tmp_path / "data")
    (data_dir / "packyard.db").mkdir(mode=0o600)  # owner-only as the store file would be
    _refused(_serve(data_dir), "cannot open the store")


@pytest.fixture(scope="module")
def own_tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """An operator's certificate, key and the key of another certificate."""
    root = tmp_path_factory.mktemp("own-tls")
    files = ensure_certificates(root, "127.0.0.1")
    return files.cert, files.key, root / "tls" / "ca-key.pem"


def test_a_missing_certificate(tmp_path: Path, own_tls: tuple[Path, Path, Path]) -> None:
    _, key, _ = own_tls
    missing = tmp_path / "missing.pem"
    line = _refused(
        _serve(tmp_path / "data", "--cert", str(missing), "--key", str(key)),
        "cannot read",
        "--cert/--key",
    )
    assert str(missing) in line


def test_a_key_of_another_certificate(tmp_path: Path, own_tls: tuple[Path, Path, Path]) -> None:
    cert, _, other_key = own_tls
    _refused(
        _serve(tmp_path / "data", "--cert", str(cert), "--key", str(other_key)),
        "does not belong to the certificate",
    )


def test_a_certificate_that_is_not_pem(tmp_path: Path, own_tls: tuple[Path, Path, Path]) -> None:
    _, key, _ = own_tls
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    _refused(
        _serve(tmp_path / "data", "--cert", str(junk), "--key", str(key)),
        "cannot load the certificate",
        "PEM",
    )


def test_a_broken_local_certificate_is_named(tmp_path: Path) -> None:
    """The server's own certificate files, damaged on disk, are refused the same way."""
    data_dir = _private_dir(tmp_path / "data")
    ensure_certificates(data_dir, "127.0.0.1")
    (data_dir / "tls").chmod(0o700)
    (data_dir / "tls" / "server-key.pem").write_text("damaged\n")
    _refused(_serve(data_dir), "cannot load the certificate", "server-key.pem")
