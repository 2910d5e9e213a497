"""packyard principal and packyard project: the service principals and the projects."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from packyard.cli_support import (
    DEFAULT_DATA_DIR,
    AsJson,
    Database,
    DataDir,
    Failure,
    Organization,
    RoleName,
    open_store,
    parse_role,
    recorded,
    settings_for,
)
from packyard.ids import utcnow

if TYPE_CHECKING:
    from packyard.services.tenants import Credentials
    from packyard.store.engine import Store


principal_app = typer.Typer(help="Manage service principals (API keys).", no_args_is_help=True)
project_app = typer.Typer(help="Manage projects (each has its own registry).", no_args_is_help=True)


def default_tenant(store: Store) -> tuple[str, str]:
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    with unit_of_work(store) as work:
        found = tenants.default_tenant(work)
    if found is None:
        raise Failure("the store has no organization yet; run `packyard serve` once")
    return found.organization_id, found.project_id


def _print_credentials(found: Credentials, *, as_json: bool) -> None:
    if as_json:
        payload = asdict(found)
        payload["role"] = found.role.label
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"name:          {found.name}\nrole:          {found.role.label}")
    typer.echo(f"principal id:  {found.principal_id}")
    typer.echo(f"client id:     {found.client_id}\nclient secret: {found.client_secret}")
    typer.echo("The secret is shown only now; store it safely.")


@principal_app.command("create")
def principal_create(
    name: Annotated[str, typer.Argument(help="A unique name for the principal.")],
    role: RoleName,
    project: Annotated[str | None, typer.Option(help="Limit the principal to one project.")] = None,
    organization: Organization = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Create a service principal and print its key (the secret is shown once)."""
    from packyard.auth.principals import new_key
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    parsed = parse_role(role)
    store = open_store(settings_for(data_dir, database))
    organization_id, _ = default_tenant(store)
    if organization:
        organization_id = organization
    with unit_of_work(store, write=True) as work:
        found = tenants.create_principal(
            work,
            name=name,
            role=parsed,
            organization_id=organization_id,
            project_id=project,
            key=new_key(),
            now=utcnow(),
        )
        recorded(work, "principal.create", f"principal/{name}")
    _print_credentials(found, as_json=as_json)


@principal_app.command("list")
def principal_list(
    data_dir: DataDir = DEFAULT_DATA_DIR, database: Database = None, as_json: AsJson = False
) -> None:
    """List service principals (never their secrets)."""
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    store = open_store(settings_for(data_dir, database))
    with unit_of_work(store) as work:
        rows = tenants.list_principals(work)
    items = [
        {
            "name": row.name,
            "principal_id": row.id,
            "role": row.role,
            "client_id": row.client_id,
            "organization_id": row.organization_id,
            "project_id": row.project_id,
            "created_at": row.created_at.isoformat(),
        }
        for row in rows
    ]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    table = Table("name", "role", "client id", "project", "created")
    for item in items:
        table.add_row(
            escape(item["name"]),
            item["role"],
            item["client_id"],
            item["project_id"] or "(all)",
            item["created_at"],
        )
    Console().print(table)


@principal_app.command("delete")
def principal_delete(
    name: str, data_dir: DataDir = DEFAULT_DATA_DIR, database: Database = None
) -> None:
    """Delete a service principal; its key and tokens stop working."""
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    store = open_store(settings_for(data_dir, database))
    with unit_of_work(store, write=True) as work:
        tenants.delete_principal(work, name=name)
        recorded(work, "principal.delete", f"principal/{name}")
    typer.echo(f'deleted principal "{name}"')


@principal_app.command("rotate")
def principal_rotate(
    name: str,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Give a principal a new secret; the old secret and its tokens stop working."""
    from packyard.auth.principals import new_key
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    store = open_store(settings_for(data_dir, database))
    with unit_of_work(store, write=True) as work:
        found = tenants.rotate_principal(work, name=name, key=new_key())
        recorded(work, "principal.rotate", f"principal/{name}")
    _print_credentials(found, as_json=as_json)


@project_app.command("create")
def project_create(
    name: str,
    organization: Annotated[
        str | None, typer.Option(help="Organization id (default: the first one).")
    ] = None,
    new_organization: Annotated[
        bool, typer.Option(help="Put the project in a new organization of its own.")
    ] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Create a project with an active registry."""
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    store = open_store(settings_for(data_dir, database))
    if not new_organization and organization is None:
        organization, _ = default_tenant(store)
    with unit_of_work(store, write=True) as work:
        scope = tenants.create_project(work, name=name, organization_id=organization, now=utcnow())
        recorded(work, "project.create", f"project/{scope.project_id}")
    payload = {
        "name": name,
        "organization_id": scope.organization_id,
        "project_id": scope.project_id,
    }
    typer.echo(
        json.dumps(payload, indent=2)
        if as_json
        else f"project {scope.project_id} in organization {scope.organization_id}"
    )


@project_app.command("list")
def project_list(
    data_dir: DataDir = DEFAULT_DATA_DIR, database: Database = None, as_json: AsJson = False
) -> None:
    """List organizations and their projects."""
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    store = open_store(settings_for(data_dir, database))
    with unit_of_work(store) as work:
        items = [
            {"name": row.name, "organization_id": org.id, "project_id": row.id}
            for org, row in tenants.all_projects(work)
        ]
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    for item in items:
        typer.echo(f"{item['organization_id']}  {item['project_id']}  {item['name']}")
