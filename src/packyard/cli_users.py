"""`packyard user`: the people who sign in to the console (create, list, delete, reset)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

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
    Organization,
    RoleName,
    open_store,
    parse_role,
    record,
    settings_for,
)
from packyard.config import Settings
from packyard.domain.identity import Role
from packyard.ids import utcnow

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from packyard.auth.principals import Bootstrap
    from packyard.auth.users import User


user_app = typer.Typer(help="Manage the people who sign in to the console.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input; without it, print a one-time link "
        "through which the user chooses their own.",
    ),
]


def _base_url(settings: Settings) -> str:
    path = settings.data_dir / SERVER_FILE
    if not path.exists():
        return settings.base_url
    server = json.loads(path.read_text())  # its base_url is https even for plain HTTP
    scheme = "http" if server.get("insecure_http") == "1" else "https"
    return f"{scheme}://{server['address']}"


def _password_from_stdin() -> str:
    from packyard.auth.users import hash_password

    return hash_password(sys.stdin.readline().rstrip("\r\n"))


def _link(conn: Connection, settings: Settings, name: str) -> str:
    from packyard.auth.users import issue_link, link_path

    ttl = settings.sessions.link_seconds
    token = issue_link(conn, name=name, now=utcnow(), ttl_seconds=ttl)
    return _base_url(settings) + link_path(token)


def _describe(user: User, link: str | None, *, as_json: bool) -> None:
    payload: dict[str, Any] = {**user.as_dict(), "created_at": user.created_at.isoformat()}
    if link:
        payload["sign_in_link"] = link
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"user:          {user.name}\nrole:          {user.role.label}")
    typer.echo(f"project:       {user.project_id or '(all)'}")
    if link:
        typer.echo(f"sign-in link:  {link}")
        typer.echo("The link works once: whoever opens it chooses the password and is signed in.")


def first_start_link(conn: Connection, first: Bootstrap, settings: Settings) -> str:
    """On a new store: the bootstrap administrator, and the one-time link they sign in by."""
    from packyard.auth.users import BOOTSTRAP_USER, create_user

    create_user(
        conn,
        name=BOOTSTRAP_USER,
        role=Role.ADMIN,
        organization_id=first.organization_id,
        project_id=None,
        now=utcnow(),
    )
    return _link(conn, settings, BOOTSTRAP_USER)


def print_first_start_link(link: str, settings: Settings) -> None:
    from packyard.auth.users import BOOTSTRAP_USER

    hours = settings.sessions.link_seconds / 3600
    typer.echo(
        f"# Sign in to the console as {BOOTSTRAP_USER} (this link works once, "
        f"for {hours:g} hours; `packyard user reset-password {BOOTSTRAP_USER}` makes another):"
    )
    typer.echo(f"#   {link}")


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="The user's sign-in name (unique among principals).")],
    role: RoleName,
    project: Annotated[str | None, typer.Option(help="Limit the user to one project.")] = None,
    organization: Organization = None,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Create a user; print a one-time sign-in link unless a password is given."""
    from packyard.auth.users import create_user
    from packyard.store.tenants import Tenants

    parsed = parse_role(role)
    password_hash = _password_from_stdin() if password_stdin else None
    settings = settings_for(data_dir, database)
    store = open_store(settings)
    with store.transaction(write=True) as conn:
        if organization is None:
            organizations = Tenants(conn).organizations()
            if not organizations:
                raise Failure("the store has no organization yet; run `packyard serve` once")
            organization = organizations[0].id
        user = create_user(
            conn,
            name=name,
            role=parsed,
            organization_id=organization,
            project_id=project,
            now=utcnow(),
            password_hash=password_hash,
        )
        link = None if password_hash else _link(conn, settings, name)
        record(conn, "user.create", f"user/{name}")
    _describe(user, link, as_json=as_json)


@user_app.command("list")
def user_list(
    data_dir: DataDir = DEFAULT_DATA_DIR, database: Database = None, as_json: AsJson = False
) -> None:
    """List users, how they sign in, and their open sessions (never a password)."""
    from packyard.auth.users import list_users
    from packyard.store.accounts import Accounts

    store = open_store(settings_for(data_dir, database))
    with store.transaction() as conn:
        found = list_users(conn)
        counts = Accounts(conn).session_counts(utcnow())
    items = [
        {
            **user.as_dict(),
            "created_at": user.created_at.isoformat(),
            "sessions": counts.get(user.principal_id, 0),
        }
        for user in found
    ]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    table = Table("name", "role", "project", "signs in by", "sessions", "created")
    for item in items:
        how = "password" if item["password"] else "sso" if item["sso_subject"] else "(link)"
        table.add_row(
            escape(item["name"]),
            item["role"],
            item["project_id"] or "(all)",
            how,
            str(item["sessions"]),
            item["created_at"],
        )
    Console().print(table)


@user_app.command("delete")
def user_delete(name: str, data_dir: DataDir = DEFAULT_DATA_DIR, database: Database = None) -> None:
    """Delete a user; their sessions end at once (the audit trail keeps what they did)."""
    from packyard.auth.users import delete_user

    store = open_store(settings_for(data_dir, database))
    with store.transaction(write=True) as conn:
        delete_user(conn, name=name)
        record(conn, "user.delete", f"user/{name}")
    typer.echo(f'deleted user "{name}"')


@user_app.command("reset-password")
def user_reset_password(
    name: str,
    password_stdin: PasswordStdin = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Give a user a new password (or a one-time link to choose one); their sessions end."""
    from packyard.auth.users import reset_password

    password_hash = _password_from_stdin() if password_stdin else None
    settings = settings_for(data_dir, database)
    store = open_store(settings)
    with store.transaction(write=True) as conn:
        user = reset_password(conn, name=name, password_hash=password_hash)
        link = None if password_hash else _link(conn, settings, name)
        record(conn, "user.reset-password", f"user/{name}")
    _describe(user, link, as_json=as_json)
