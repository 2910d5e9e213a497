"""`packyard wip`: workload identity providers on a project's service principals, and
`packyard ci cred-file`: the credential file a CI job's clients read to exchange its token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    open_store,
    record,
    settings_for,
)
from packyard.domain import conditions
from packyard.domain.credential_files import GITLAB_VARIABLE, SOURCES, credential_file
from packyard.domain.identity import Scope
from packyard.domain.workload_identity import PrincipalName, Provider, ProviderName
from packyard.ids import rfc3339, utcnow

if TYPE_CHECKING:
    from packyard.store.engine import Store


wip_app = typer.Typer(
    help="Workload identity providers: the OIDC issuers a project's principal trusts.",
    no_args_is_help=True,
)
ci_app = typer.Typer(help="Set-up for CI jobs that sign in without secrets.", no_args_is_help=True)

PrincipalArg = Annotated[str, typer.Argument(help="The project-level service principal's name.")]
NameArg = Annotated[str, typer.Argument(help="The provider's name (3-36 of a-z, 0-9 and -).")]


def _where(store: Store, principal: str) -> tuple[Scope, PrincipalName]:
    from packyard.store.tenants import Tenants

    with store.transaction() as conn:
        row = Tenants(conn).principal_by_name(principal)
    if row is None or row.project_id is None:
        raise Failure(f'no project-level service principal named "{principal}"')
    return Scope(row.organization_id, row.project_id), PrincipalName(row.project_id, principal)


def _shape(provider: Provider) -> dict[str, Any]:
    return {
        "resource_name": provider.name.resource_name,
        "issuer_uri": provider.issuer_uri,
        "allowed_audiences": list(provider.audiences),
        "conditional_access": provider.conditional_access,
        "description": provider.description,
        "created_at": rfc3339(provider.created_at),
        "updated_at": rfc3339(provider.updated_at),
    }


def _show(provider: Provider, *, as_json: bool) -> None:
    shape = _shape(provider)
    if as_json:
        typer.echo(json.dumps(shape, indent=2))
        return
    for key, value in shape.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        typer.echo(f"{key}: {shown}")


@wip_app.command("create")
def wip_create(
    principal: PrincipalArg,
    name: NameArg,
    issuer: Annotated[str, typer.Option("--issuer", help="The issuer's https URI.")],
    condition: Annotated[
        str,
        typer.Option(
            "--condition",
            help="The conditional access statement, e.g. 'jwt_claims.repository == \"org/app\"'.",
        ),
    ],
    audience: Annotated[
        list[str] | None,
        typer.Option("--audience", help="An allowed audience (default: the resource name)."),
    ] = None,
    description: Annotated[str, typer.Option(help="What the provider is for.")] = "",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Trust an OIDC issuer's tokens, when their claims satisfy the condition, as the principal."""
    from packyard.services import workload_identity as wip
    from packyard.store.work import Work

    store = open_store(settings_for(data_dir, database))
    scope, where = _where(store, principal)
    changes = wip.Changes(issuer, audience or [], condition, description)
    with store.transaction(write=True) as conn:
        created = wip.create_provider(
            Work(conn), scope, principal=where, name=name, changes=changes, now=utcnow()
        )
        record(conn, "wip.create", created.name.resource_name)
    _show(created, as_json=as_json)


@wip_app.command("ls")
def wip_ls(
    principal: PrincipalArg,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """List a principal's workload identity providers."""
    from packyard.services import workload_identity as wip
    from packyard.store.work import Work

    store = open_store(settings_for(data_dir, database))
    scope, where = _where(store, principal)
    with store.transaction() as conn:
        found = wip.list_providers(Work(conn), scope, where)
    if as_json:
        typer.echo(json.dumps([_shape(provider) for provider in found], indent=2))
        return
    table = Table("name", "issuer", "condition")
    for provider in found:
        table.add_row(
            escape(provider.name.name),
            escape(provider.issuer_uri),
            escape(provider.conditional_access),
        )
    Console(width=200).print(table)


def _provider(store: Store, principal: str, name: str) -> tuple[Scope, Provider]:
    from packyard.services import workload_identity as wip
    from packyard.store.work import Work

    scope, where = _where(store, principal)
    with store.transaction() as conn:
        return scope, wip.get_provider(Work(conn), scope, ProviderName(where, name))


@wip_app.command("show")
def wip_show(
    principal: PrincipalArg,
    name: NameArg,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Show one provider, with its resource name (what a credential file names)."""
    store = open_store(settings_for(data_dir, database))
    _show(_provider(store, principal, name)[1], as_json=as_json)


@wip_app.command("delete")
def wip_delete(
    principal: PrincipalArg,
    name: NameArg,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
) -> None:
    """Delete a provider: its issuer's tokens are exchanged no more."""
    from packyard.services import workload_identity as wip
    from packyard.store.work import Work

    store = open_store(settings_for(data_dir, database))
    scope, where = _where(store, principal)
    target = ProviderName(where, name)
    with store.transaction(write=True) as conn:
        wip.delete_provider(Work(conn), scope, target)
        record(conn, "wip.delete", target.resource_name)
    typer.echo(f'deleted workload identity provider "{target.resource_name}"')


@wip_app.command("test")
def wip_test(
    principal: PrincipalArg,
    name: NameArg,
    jwt_file: Annotated[Path, typer.Option("--jwt", help="A file holding a token to try.")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
) -> None:
    """Print a token's claims and whether the provider's issuer, audiences and condition
    admit them (the signature and validity are checked only by a real exchange)."""
    from packyard.auth.federation import unverified_claims

    store = open_store(settings_for(data_dir, database))
    provider = _provider(store, principal, name)[1]
    try:
        claims = unverified_claims(jwt_file.read_text().strip())
    except OSError as exc:
        raise Failure(f"cannot read {jwt_file}: {exc.strerror}") from None
    typer.echo(json.dumps(claims, indent=2, sort_keys=True))
    audiences = claims.get("aud")
    given = audiences if isinstance(audiences, list) else [audiences]
    checks = {
        "issuer": claims.get("iss") == provider.issuer_uri,
        "audience": any(item in provider.audiences for item in given),
    }
    holds, reason = conditions.verdict(provider.conditional_access, claims)
    for check, ok in checks.items():
        typer.echo(f"{check}: {'ok' if ok else 'refused'}")
    typer.echo(f"condition: {'admits' if holds else 'refuses'} ({reason})")
    if not holds or not all(checks.values()):
        raise typer.Exit(1)


@ci_app.command("cred-file")
def ci_cred_file(
    resource_name: Annotated[
        str, typer.Option("--resource-name", help="The provider's resource name.")
    ],
    provider: Annotated[str, typer.Option("--provider", help=f"One of {', '.join(SOURCES)}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write it.")] = Path(
        "hcp-cred-file.json"
    ),
    token_file: Annotated[str, typer.Option(help="For --provider file: the token's path.")] = "",
    variable: Annotated[
        str, typer.Option(help="For --provider gitlab: the variable `id_tokens:` sets.")
    ] = GITLAB_VARIABLE,
    request_url: Annotated[
        str, typer.Option(envvar="ACTIONS_ID_TOKEN_REQUEST_URL", help="For --provider github.")
    ] = "",
    request_token: Annotated[
        str,
        typer.Option(
            envvar="ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            help="For --provider github.",
            show_default=False,
        ),
    ] = "",
) -> None:
    """Write the credential file (export HCP_CRED_FILE=<it>) that Packer, the Terraform
    provider and hcp-sdk-go read to exchange the CI job's token for an access token."""
    name = ProviderName.parse(resource_name)
    content = credential_file(
        name.resource_name,
        provider,
        project_id=name.principal.project_id,
        token_file=token_file,
        variable=variable,
        request_url=request_url,
        request_token=request_token,
    )
    output.write_text(json.dumps(content, indent=2) + "\n")
    output.chmod(0o600)
    typer.echo(f"wrote {output}; export HCP_CRED_FILE={output.resolve()}")
