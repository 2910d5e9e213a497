"""Online, consistent copies of an SQLite store, and putting one back.

SQLite's backup API copies a consistent snapshot page by page while servers keep serving
(readers and the WAL writer are not blocked for long). PostgreSQL stores are backed up with
the database's own tools (pg_dump / pg_restore), as docs/deploy.md describes.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from packyard.errors import FailedPrecondition, InvalidArgument


def sqlite_path(store_url: str) -> Path:
    if not store_url.startswith("sqlite:///"):
        raise FailedPrecondition(
            "backup and restore work on the embedded SQLite store; back up PostgreSQL with "
            "pg_dump and restore with pg_restore (see docs/deploy.md)"
        )
    return Path(store_url.removeprefix("sqlite:///"))


def schema_revision(path: Path) -> str:
    """The Alembic revision of a store file; refuses anything that is not a Packyard store."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise InvalidArgument(f"{path} is damaged: {check[0] if check else 'no answer'}")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidArgument(f"{path} is not a Packyard store: {exc}") from None
    if row is None:
        raise InvalidArgument(f"{path} is not a Packyard store: it has no schema revision")
    return str(row[0])


def copy_store(source: Path, target: Path, *, self_contained: bool = True) -> None:
    """A consistent copy of `source` into `target`, whose pages are all replaced in one step.

    A self-contained copy (a backup file) is left without a write-ahead log beside it; a
    live store keeps its journal mode.
    """
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        if self_contained:
            dst.execute("PRAGMA journal_mode=DELETE")
            dst.commit()


def backup(store_file: Path, destination: Path) -> str:
    """Copy the live store to a new file `destination`; returns its schema revision."""
    if destination.exists():
        raise FailedPrecondition(f"{destination} exists; choose a new file for the backup")
    if not store_file.exists():
        raise FailedPrecondition(f"there is no store at {store_file}")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    copy_store(store_file, partial)
    revision = schema_revision(partial)
    partial.rename(destination)
    return revision


def restore(backup_file: Path, store_file: Path) -> str:
    """Replace the store's content with a backup's (no server may be running on it)."""
    if not backup_file.is_file():
        raise FailedPrecondition(f"there is no backup at {backup_file}")
    revision = schema_revision(backup_file)
    store_file.parent.mkdir(parents=True, exist_ok=True)
    copy_store(backup_file, store_file, self_contained=False)
    return revision
