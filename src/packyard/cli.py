"""The packyard command: serve, env, principal, migrate.

The store, the services and the auth are imported inside the commands that use them, so
`packyard --help` and the people's commands (pure HTTP) start without SQLAlchemy or Alembic.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeGuard

import typer

from packyard.cli_keys import keys_app
from packyard.cli_maintenance import audit_command, backup_command, restore_command
from packyard.cli_support import (
    SERVER_FILE,
    AsJson,
    Database,
    DataDir,
    Failure,
    event_loop,
    is_loopback,
    open_store,
    recorded,
    settings_for,
    store_failure,
)
from packyard.cli_tenants import default_tenant, principal_app, project_app
from packyard.cli_users import first_start_link, print_first_start_link, user_app
from packyard.cli_vulndb import vulndb_app
from packyard.cli_wip import ci_app, wip_app
from packyard.config import DEFAULT_PORT, Settings, SettingsError, default_data_dir
from packyard.errors import RegistryError
from packyard.ids import utcnow
from packyard.people import register as register_people_commands
from packyard.trust import ensure_bundle, system_trust_store

if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError

app = typer.Typer(
    help="Packyard: a self-hosted registry that speaks the HCP Packer API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(principal_app, name="principal")
app.add_typer(vulndb_app, name="vulndb")
app.add_typer(project_app, name="project")
app.add_typer(keys_app, name="keys")
app.add_typer(wip_app, name="wip")
app.add_typer(ci_app, name="ci")
app.add_typer(user_app, name="user")

app.command("audit")(audit_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
register_people_commands(app)


def _exports(
    server: dict[str, str],
    organization_id: str,
    project_id: str,
    client_id: str,
    client_secret: str | None,
) -> dict[str, str]:
    values = {
        "HCP_API_ADDRESS": server["address"],
        "HCP_AUTH_URL": server["base_url"],
        "HCP_ORGANIZATION_ID": organization_id,
        "HCP_PROJECT_ID": project_id,
        "HCP_CLIENT_ID": client_id,
    }
    if client_secret is not None:
        values["HCP_CLIENT_SECRET"] = client_secret
    if server.get("insecure_http") == "1":
        values["HCP_API_TLS"] = "disabled"
    elif server.get("ca"):
        # Clients verify Packyard's certificate through its CA (Packer 1.9 has no other way),
        # and every other HTTPS service through the system's roots beside it in the bundle.
        values["SSL_CERT_FILE"] = server.get("ca_bundle") or server["ca"]
    return values


def _print_exports(values: dict[str, str], *, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(values, indent=2))
        return
    if "HCP_API_TLS" not in values:
        # The clients accept only "disabled" or "insecure" here; a verified TLS needs neither.
        typer.echo("unset HCP_API_TLS HCP_AUTH_TLS")
    for key, value in values.items():
        typer.echo(f"export {key}={value}")
    if "HCP_API_TLS" not in values and "SSL_CERT_FILE" not in values:
        typer.echo(
            "# No SSL_CERT_FILE: this server's own certificate (--cert) is verified through "
            "the system's trust store."
        )
    if "HCP_CLIENT_SECRET" not in values:
        typer.echo(
            "# HCP_CLIENT_SECRET was shown once when the key was made; "
            "`packyard env --rotate` makes a new one."
        )


def _server_info(settings: Settings) -> dict[str, str]:
    path = settings.data_dir / SERVER_FILE
    if not path.exists():
        raise Failure(
            f"no server has started with data dir {settings.data_dir} yet; "
            "run `packyard serve` first"
        )
    info: dict[str, str] = json.loads(path.read_text())
    return info


def _refresh_bundle(server: dict[str, str]) -> None:
    """Rewrite the CA bundle beside the server's CA if the CA or the system's trust store (the
    one the server was started with) changed since, and name it in `server`."""
    ca, system_store = Path(server["ca"]), Path(server["trust_store"])
    try:
        server["ca_bundle"] = str(ensure_bundle(ca, system_store=system_store))
    except OSError as exc:
        raise Failure(
            f"cannot write the CA bundle from {system_store} and {ca}: {exc.strerror} "
            f"({exc.filename}); set PACKYARD_SYSTEM_TRUST_STORE to the system's PEM trust store"
        ) from None


def _check_port_free(host: str, port: int) -> None:
    """Refuse a taken port: the server binds with SO_REUSEPORT, which would share it silently.

    SO_REUSEADDR lets the probe past connections a crashed server left in TIME_WAIT, so a
    restart right after a crash is not refused; a live listener still refuses it.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Failure(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@app.command()
def serve(
    data_dir: DataDir = default_data_dir(),
    database: Database = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = DEFAULT_PORT,
    cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM).")] = None,
    key: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    insecure_http: Annotated[bool, typer.Option(help="Serve plain HTTP (tests only).")] = False,
    insecure_http_on_network: Annotated[
        bool, typer.Option(help="Allow --insecure-http on an address other than loopback.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Server worker processes.")] = 1,
    max_body_bytes: Annotated[int, typer.Option(help="Largest request body accepted.")] = 4 << 20,
    public_url: Annotated[
        str | None,
        typer.Option(help="The URL clients reach this server by, e.g. its load balancer's."),
    ] = None,
) -> None:
    """Start the registry (creating and migrating the store on first start)."""
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    from packyard.auth.principals import new_key
    from packyard.services import tenants
    from packyard.store.work import Work, unit_of_work
    from packyard.tls import check_key_pair, ensure_certificates

    if (cert is None) != (key is None):
        raise typer.BadParameter("--cert and --key go together")
    if insecure_http and cert:
        raise typer.BadParameter("--insecure-http cannot be combined with --cert/--key")
    if insecure_http and not insecure_http_on_network and not is_loopback(host):
        raise Failure(
            f"--insecure-http sends tokens in plain text; {host} is not a loopback address "
            "(add --insecure-http-on-network to do it anyway)"
        )
    _check_port_free(host, port)
    loop = Loops(event_loop())
    if cert is not None and key is not None:
        check_key_pair(cert, key)
    settings = settings_for(
        data_dir,
        database,
        host=host,
        port=port,
        insecure_http=insecure_http,
        cert_file=cert,
        key_file=key,
        max_body_bytes=max_body_bytes,
        public_url=public_url,
    )
    store = open_store(settings)
    with store.transaction(write=True) as conn:
        store.exclusive(conn, "packyard-bootstrap")  # replicas starting on an empty store
        first = tenants.bootstrap(Work(conn), now=utcnow(), admin_key=new_key())
        link = first_start_link(conn, first, settings) if first else ""
    ca = ""
    if not insecure_http and cert is None:
        files = ensure_certificates(settings.data_dir, host)
        check_key_pair(files.cert, files.key)
        cert, key, ca = files.cert, files.key, str(files.ca)
        typer.echo(f"# Packyard's local CA: {ca}")
    server = {
        "address": settings.base_url.split("://", 1)[1],
        "base_url": settings.base_url
        if not insecure_http
        else settings.base_url.replace("http://", "https://"),
        "insecure_http": "1" if insecure_http else "0",
        "ca": ca,
        "trust_store": str(system_trust_store(settings.system_trust_store)) if ca else "",
        "pid": str(os.getpid()),
    }
    if ca:
        _refresh_bundle(server)
    (settings.data_dir / SERVER_FILE).write_text(json.dumps(server, indent=2))
    organization_id, project_id = default_tenant(store)
    if first is not None:
        typer.echo("# First start: an admin key was created. Its secret is shown only now.")
        _print_exports(
            _exports(
                server,
                first.organization_id,
                first.project_id,
                first.admin.client_id,
                first.admin.client_secret,
            ),
            as_json=False,
        )
        print_first_start_link(link, settings)
    else:
        typer.echo("# Point Packer at Packyard (`packyard env` prints these again):")
        with unit_of_work(store) as work:
            admin = tenants.list_principals(work)[0]
        _print_exports(
            _exports(server, organization_id, project_id, admin.client_id, None), as_json=False
        )
    store.dispose()  # the workers open their own; none of this process's is theirs
    sys.stdout.flush()
    os.environ.update(replace(settings, cert_file=cert, key_file=key).to_env())
    Server(
        target="packyard.wire.app:app_from_env",
        factory=True,
        interface=Interfaces.ASGI,
        loop=loop,
        address=host,
        port=port,
        workers=workers,
        ssl_cert=cert,
        ssl_key=key,
        log_access=False,
    ).serve()


@app.command()
def env(
    data_dir: DataDir = default_data_dir(),
    database: Database = None,
    principal: Annotated[
        str | None, typer.Option(help="Whose key to print (default: the first admin).")
    ] = None,
    rotate: Annotated[
        bool, typer.Option(help="Make a new secret for the key and print it.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Print the export lines that point Packer and Terraform at this Packyard."""
    from packyard.auth.principals import new_key
    from packyard.services import tenants
    from packyard.store.work import unit_of_work

    settings = settings_for(data_dir, database)
    server = _server_info(settings)
    if server.get("ca"):
        # A server.json written before the bundle existed names no trust store.
        server.setdefault("trust_store", str(system_trust_store(settings.system_trust_store)))
        _refresh_bundle(server)
    store = open_store(settings)
    organization_id, project_id = default_tenant(store)
    with unit_of_work(store, write=rotate) as work:
        rows = [row for row in tenants.list_principals(work) if principal in (None, row.name)]
        if not rows:
            raise Failure(f'no principal named "{principal}"')
        row = rows[0]
        secret = None
        if rotate:
            secret = tenants.rotate_principal(work, name=row.name, key=new_key()).client_secret
            recorded(work, "principal.rotate", f"principal/{row.name}")
    _print_exports(
        _exports(server, organization_id, row.project_id or project_id, row.client_id, secret),
        as_json=as_json,
    )


@app.command("migrate")
def migrate_command(data_dir: DataDir = default_data_dir(), database: Database = None) -> None:
    """Bring the store's schema up to date (safe while servers run)."""
    open_store(settings_for(data_dir, database))
    typer.echo("store is up to date")


def main() -> None:
    try:
        app()
    except (RegistryError, Failure, SettingsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # a file or directory the command needed, named, not a traceback
        where = f" ({exc.filename})" if exc.filename else ""
        typer.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except Exception as exc:
        if not _is_store_error(exc):
            raise
        typer.echo(f"error: {store_failure(exc)}", err=True)
        sys.exit(1)


def _is_store_error(exc: Exception) -> TypeGuard[SQLAlchemyError]:
    """Whether `exc` is SQLAlchemy's; SQLAlchemy is imported only by the commands that use the
    store, so an error of a command that never imported it is not."""
    found = sys.modules.get("sqlalchemy.exc")
    return found is not None and isinstance(exc, found.SQLAlchemyError)
