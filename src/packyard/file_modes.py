"""What holds secrets is the owner's alone.

The store holds the token signing keys and every run-task HMAC key, so the data directory
is 0700 and the store (with its `-wal`, `-shm` and `-journal` files), backups and key files
are 0600. Commands set the umask 077 as they start, so whatever they and the servers they
start create is the owner's alone; SQLite gives a store's journal files the store's mode.
An existing directory or file with looser modes is tightened (the caller warns).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
STORE_FILES = ("", "-wal", "-shm", "-journal")
KEY_FILES = ("token-signing.key", "tls/*key*.pem")


def owner_only_from_now() -> None:
    os.umask(0o077)


def _tighten(path: Path, mode: int, changed: list[str], failed: list[str]) -> None:
    try:
        found = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        failed.append(f"{path} ({exc.strerror})")
        return
    if found & ~mode & 0o777 == 0:
        return
    try:
        os.chmod(path, found & mode)
    except OSError as exc:
        failed.append(f"{path} ({exc.strerror})")
        return
    changed.append(f"{path} (was {found:04o})")


def store_files(store_file: Path) -> list[Path]:
    return [store_file.with_name(store_file.name + suffix) for suffix in STORE_FILES]


def tighten(data_dir: Path, store_file: Path | None) -> str | None:
    """Make the data directory, its key files and the SQLite store owner-only (those that
    exist); one line for the operator about what was looser, or None."""
    changed: list[str] = []
    failed: list[str] = []
    _tighten(data_dir, DIRECTORY_MODE, changed, failed)
    _tighten(data_dir / "tls", DIRECTORY_MODE, changed, failed)
    for pattern in KEY_FILES:
        for path in sorted(data_dir.glob(pattern)):
            _tighten(path, FILE_MODE, changed, failed)
    for path in store_files(store_file) if store_file else []:
        _tighten(path, FILE_MODE, changed, failed)
    parts = []
    if changed:
        parts.append("made owner-only, as they hold secrets: " + ", ".join(changed))
    if failed:
        parts.append("cannot make owner-only (others may read secrets): " + ", ".join(failed))
    return "; ".join(parts) or None


def create_private(path: Path) -> None:
    """A new, empty file only its owner may read (refused if it exists)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
