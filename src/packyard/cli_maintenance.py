"""Operator commands over the store: the audit trail, backups and restores."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from packyard.cli_support import (
    DEFAULT_DATA_DIR,
    SERVER_FILE,
    AsJson,
    Database,
    DataDir,
    Failure,
    open_store,
    protect_files,
    settings_for,
)
from packyard.ids import parse_rfc3339, utcnow


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = parse_rfc3339(text)
    except ValueError:
        moment = None
    if moment is None:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise typer.BadParameter(
                "give a time such as 2026-11-23 or 2026-11-23T08:00:00Z"
            ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def audit_command(
    since: Annotated[
        str | None, typer.Option(help="Only events at or after this time (RFC 3339 or a date).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many (the newest).")] = 1000,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Show the audit trail: every change, who made it, when and from where (oldest first)."""
    from packyard.store.audit import AuditLog

    start = _since(since)
    store = open_store(settings_for(data_dir, database))
    with store.transaction() as conn:
        events = AuditLog(conn).events(since=start, limit=limit)
    if as_json:
        typer.echo(json.dumps([event.as_dict() for event in events], indent=2))
        return
    table = Table("when", "who", "operation", "resource", "from")
    for event in events:
        table.add_row(  # names are anyone's: shown as written, never as console markup
            event.occurred_at.isoformat(timespec="seconds"),
            escape(event.actor_name),
            escape(event.operation),
            escape(event.resource),
            escape(event.source),
        )
    Console(width=200).print(table)


def backup_command(
    path: Annotated[Path, typer.Argument(help="A new file to write the backup to.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
) -> None:
    """Write a consistent copy of the SQLite store to PATH (safe while servers run)."""
    from packyard.store import backup as backups

    settings = settings_for(data_dir, database)
    store_file = backups.sqlite_path(settings.store_url)
    protect_files(settings)
    revision = backups.backup(store_file, path.expanduser().resolve())
    typer.echo(f"backed up {store_file} to {path} (schema revision {revision})")


def _running_server(data_dir: Path) -> int | None:
    info = data_dir / SERVER_FILE
    if not info.exists():
        return None
    pid = int(json.loads(info.read_text()).get("pid") or 0)
    if pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def restore_command(
    path: Annotated[Path, typer.Argument(help="A backup written by `packyard backup`.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
) -> None:
    """Replace the SQLite store with a backup (stop the server first), then migrate it."""
    from packyard.store import backup as backups

    settings = settings_for(data_dir, database)
    store_file = backups.sqlite_path(settings.store_url)
    pid = _running_server(settings.data_dir)
    if pid is not None:
        raise Failure(f"a server (pid {pid}) is running on {settings.data_dir}; stop it first")
    revision = backups.restore(path.expanduser().resolve(), store_file)
    open_store(settings)  # brings an older backup's schema up to date
    typer.echo(
        f"restored {store_file} from {path} (schema revision {revision}) at {utcnow():%H:%M:%S}"
    )
