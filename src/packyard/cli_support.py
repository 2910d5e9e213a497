"""What every `packyard` command shares: the store options, settings, and a clean failure.

The store (SQLAlchemy, Alembic) is imported by the commands that open it, not when the
`packyard` command starts, so `--help` and the people's commands (pure HTTP) start quickly.
"""

from __future__ import annotations

import getpass
import importlib.util
import ipaddress
import os
import socket
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from packyard import file_modes
from packyard.config import Settings, database_from_env, default_data_dir, token_ttl_from_env
from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Role
from packyard.errors import Unavailable
from packyard.ids import new_id, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.exc import SQLAlchemyError

    from packyard.store.engine import Store
    from packyard.store.work import Work

DataDir = Annotated[
    Path, typer.Option("--data-dir", help="Where the store, keys and certificates live.")
]
Database = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="Store URL, e.g. postgresql://user@host/db (default: $PACKYARD_DATABASE_URL, "
        "else SQLite in the data directory).",
    ),
]
DEFAULT_DATA_DIR = default_data_dir()
SERVER_FILE = "server.json"
"""Written by `packyard serve` in its data directory: its address, CA and process id."""
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
RoleName = Annotated[str, typer.Option(help="viewer, contributor or admin.")]
Organization = Annotated[str | None, typer.Option(help="Organization (default: the first one).")]


def parse_role(role: str) -> Role:
    """A --role given as viewer, contributor or admin."""
    try:
        return Role.parse(role)
    except KeyError:
        raise typer.BadParameter("role must be viewer, contributor or admin") from None


class Failure(Exception):
    """A clear message for the user, exit code 1."""


def is_loopback(host: str) -> bool:
    """Whether a --host address is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


EVENT_LOOPS = ("uvloop", "asyncio")


def event_loop() -> str:
    """The event loop `packyard serve` runs its workers on: PACKYARD_EVENT_LOOP's, else
    uvloop (a dependency on every platform it is built for) where it is installed, else
    asyncio's own. Named, not left to granian's "auto", which would take any other loop it
    finds installed."""
    installed = importlib.util.find_spec("uvloop") is not None
    chosen = os.environ.get("PACKYARD_EVENT_LOOP", "").strip().lower()
    if not chosen:
        return "uvloop" if installed else "asyncio"
    if chosen not in EVENT_LOOPS:
        raise Failure(
            f"PACKYARD_EVENT_LOOP must be one of {', '.join(EVENT_LOOPS)}, not {chosen!r}"
        )
    if chosen == "uvloop" and not installed:
        raise Failure("PACKYARD_EVENT_LOOP is uvloop, which is not installed here")
    return chosen


def settings_for(data_dir: Path, database: str | None, **more: Any) -> Settings:
    file_modes.owner_only_from_now()  # every command starts here
    more.setdefault("token_ttl_seconds", token_ttl_from_env())
    settings = Settings(
        data_dir=data_dir.expanduser().resolve(),
        database_url=database or database_from_env(),
        **more,
    )
    _ = settings.store_url  # an unusable --database fails here, with its reason
    return settings


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory if needed and prove it writable, or fail with what to do."""
    remedy = "choose another with --data-dir, or fix its permissions"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Failure(
            f"cannot create the data directory {data_dir}: {exc.strerror}; {remedy}"
        ) from None
    try:
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        raise Failure(
            f"cannot write in the data directory {data_dir}: {exc.strerror}; {remedy}"
        ) from None


def protect_files(settings: Settings) -> None:
    """Tighten the data directory and SQLite store to owner-only, warning if they were not."""
    url = settings.store_url
    store_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    warning = file_modes.tighten(settings.data_dir, store_file)
    if warning:
        typer.echo(f"warning: {warning}", err=True)


def open_store(settings: Settings) -> Store:
    """The store, created and migrated to the newest schema if needed."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from packyard.store.engine import Store, make_engine
    from packyard.store.migrate import migrate

    prepare_data_dir(settings.data_dir)
    protect_files(settings)
    store = Store(make_engine(settings.store_url, settings.pool))
    try:
        migrate(store.engine)
    except SQLAlchemyError as exc:
        message = store_failure(exc)
        if settings.database_url and message.startswith("cannot reach"):
            raise  # a database server away or refusing us, not a store to restore
        url = make_url(settings.store_url)
        where = url.database if url.get_backend_name() == "sqlite" else url.render_as_string()
        raise Failure(
            f"cannot open the store {where}: {message.split(': ', 1)[-1]}; "
            "restore it from a backup (`packyard restore`) or choose another "
            "--data-dir / --database"
        ) from None
    return store


def store_failure(exc: SQLAlchemyError) -> str:
    """One line for the operator about a store that failed a command."""
    from sqlalchemy.exc import DBAPIError

    from packyard.store.engine import WriteConflict, translate

    detail = str(exc.orig if isinstance(exc, DBAPIError) else exc).strip().splitlines()
    reason = detail[0] if detail else type(exc).__name__
    mapped = translate(exc)
    if isinstance(mapped, Unavailable) and not isinstance(mapped, WriteConflict):
        return f"cannot reach the store: {reason}"
    if mapped is not None:
        return mapped.message
    return f"the store failed: {reason}"


def console_event(operation: str, resource: str) -> AuditEvent:
    """An audit event for a change made at the console (the operator is the OS user)."""
    user = getpass.getuser()
    return AuditEvent(
        id=new_id(),
        occurred_at=utcnow(),
        actor_id=f"cli:{user}",
        actor_name=user,
        operation=operation,
        method="CLI",
        resource=resource,
        source=socket.gethostname(),
    )


def record(conn: Connection, operation: str, resource: str) -> None:
    from packyard.store.audit import AuditLog

    AuditLog(conn).record(console_event(operation, resource))


def recorded(work: Work, operation: str, resource: str) -> None:
    """A console command's write ends as every write does: with its audit line."""
    work.finish_write(console_event(operation, resource))
