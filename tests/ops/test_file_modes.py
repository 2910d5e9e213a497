"""What holds secrets is the owner's alone: the data directory 0700; the store, its WAL and
SHM files, backups and key files 0600, whatever the caller's umask; looser modes found
are tightened with a one-line warning."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import push
from tests.support.server import packyard, running_server


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Commands and servers started with a umask that lets everyone read (022)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_store_backups_and_keys_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    with running_server(tmp_path) as server:
        api = server.api("contributor")
        push(api, "modes", "fp-1")
        data_dir = server.data_dir
        store = data_dir / "packyard.db"
        assert _mode(data_dir) == 0o700
        live = [store, data_dir / "packyard.db-wal", data_dir / "packyard.db-shm"]
        assert {path.name: _mode(path) for path in live} == {path.name: 0o600 for path in live}
        keys = sorted((data_dir / "tls").glob("*key*.pem"))
        assert [path.name for path in keys] == ["ca-key.pem", "server-key.pem"]
        assert {_mode(path) for path in keys} == {0o600}
        assert _mode(data_dir / "tls") == 0o700
        server.cli("backup", str(tmp_path / "store.backup"))
        assert _mode(tmp_path / "store.backup") == 0o600
    restored = packyard("restore", str(tmp_path / "store.backup"), data_dir=data_dir)
    assert restored.returncode == 0, restored.stderr
    assert _mode(store) == 0o600


def test_looser_modes_are_tightened_with_one_warning(tmp_path: Path, open_umask: None) -> None:
    data_dir = tmp_path / "data"
    packyard("migrate", data_dir=data_dir)
    store = data_dir / "packyard.db"
    for path, mode in ((data_dir, 0o755), (store, 0o644)):
        os.chmod(path, mode)
    wal = data_dir / "packyard.db-wal"
    wal.touch(mode=0o644)  # as a crashed server may leave it
    os.chmod(wal, 0o664)

    listed = packyard("principal", "list", data_dir=data_dir)
    lines = listed.stderr.strip().splitlines()
    assert len(lines) == 1, listed.stderr
    assert lines[0].startswith("warning: made owner-only"), lines[0]
    for path, was in ((data_dir, "0755"), (store, "0644"), (wal, "0664")):
        assert f"{path} (was {was})" in lines[0]
    assert (_mode(data_dir), _mode(store)) == (0o700, 0o600)
    assert not wal.exists() or _mode(wal) == 0o600

    again = packyard("principal", "list", data_dir=data_dir)
    assert again.stderr == ""
