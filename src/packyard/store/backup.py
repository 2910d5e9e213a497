"""Online, consistent copies of an SQLite store, and putting one back.

SQLite's backup API copies a consistent snapshot page by page while servers keep serving
(readers and the WAL writer are not blocked for long). PostgreSQL stores are backed up with
the database's own tools (pg_dump / pg_restore), as docs/deploy.md describes.

A restore checks the backup first (an SQLite database, undamaged, at a schema revision
this release knows), builds the new store in a file beside the live one (migrated, with
every object that is not Packyard's dropped) and only then renames it into place, so a
refused or failed restore leaves the live store as it was.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing, suppress
from pathlib import Path

from packyard.errors import FailedPrecondition, InvalidArgument
from packyard.file_modes import create_private, store_files
from packyard.store.engine import make_engine
from packyard.store.migrate import known_revisions, migrate
from packyard.store.tables import metadata

OWN_TABLES = {*metadata.tables, "alembic_version"}
OWN_INDEXES = {str(index.name) for table in metadata.tables.values() for index in table.indexes}


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
    """Copy the live store to a new file `destination` (owner-only); returns its revision."""
    if destination.exists():
        raise FailedPrecondition(f"{destination} exists; choose a new file for the backup")
    if not store_file.exists():
        raise FailedPrecondition(f"there is no store at {store_file}")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    copy_store(store_file, partial)
    revision = schema_revision(partial)
    partial.rename(destination)
    return revision


def _objects(conn: sqlite3.Connection, kind: str) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = ?", (kind,)).fetchall()
    return [str(row[0]) for row in rows if not str(row[0]).startswith("sqlite_")]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _drop_foreign(path: Path, *, kinds: tuple[str, ...]) -> None:
    """Drop the objects of these kinds that Packyard's schema does not have."""
    ours = {"table": OWN_TABLES, "index": OWN_INDEXES, "trigger": set(), "view": set()}
    with closing(sqlite3.connect(path)) as conn:
        for kind in kinds:
            for name in _objects(conn, kind):
                if name not in ours[kind]:
                    conn.execute(f"DROP {kind.upper()} IF EXISTS {_quoted(name)}")
        conn.commit()
        missing = OWN_TABLES - set(_objects(conn, "table"))
        if "table" in kinds and missing:
            raise InvalidArgument(f"the backup lacks Packyard's table(s) {', '.join(missing)}")
        conn.execute("PRAGMA journal_mode=DELETE")  # folds the write-ahead log in


def _build(backup_file: Path, target: Path) -> None:
    """The backup's content in `target`, migrated, holding nothing but Packyard's schema."""
    copy_store(backup_file, target)
    _drop_foreign(target, kinds=("trigger", "view"))  # none may act during the migration
    engine = make_engine(f"sqlite:///{target}")
    try:
        migrate(engine)
    finally:
        engine.dispose()
    _drop_foreign(target, kinds=("trigger", "view", "index", "table"))


def _close_journal(store_file: Path) -> None:
    """Fold the live store's write-ahead log in (or discard it, if the store is damaged), so
    no stale log is applied to the file renamed into its place."""
    if store_file.exists():
        with suppress(sqlite3.DatabaseError), closing(sqlite3.connect(store_file)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
    for path in store_files(store_file)[1:]:
        path.unlink(missing_ok=True)


def restore(backup_file: Path, store_file: Path) -> str:
    """Replace the store with a backup (no server may be running on it); returns the
    backup's schema revision. The new store is at the newest revision."""
    if not backup_file.is_file():
        raise FailedPrecondition(f"there is no backup at {backup_file}")
    revision = schema_revision(backup_file)
    if revision not in known_revisions():
        raise InvalidArgument(
            f"{backup_file} has schema revision {revision}, which this release does not know "
            "(restore it with the release that wrote it)"
        )
    store_file.parent.mkdir(parents=True, exist_ok=True)
    building = store_file.with_name(f".{store_file.name}.restoring")
    for path in store_files(building):
        path.unlink(missing_ok=True)
    create_private(building)
    try:
        _build(backup_file, building)
        _close_journal(store_file)
        os.replace(building, store_file)
    finally:
        for path in store_files(building):
            path.unlink(missing_ok=True)
    return revision
