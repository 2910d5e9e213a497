"""`packyard keys`: the token signing keys (list them, rotate them)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from packyard.cli_support import (
    DEFAULT_DATA_DIR,
    AsJson,
    Database,
    DataDir,
    open_store,
    record,
    settings_for,
)
from packyard.ids import utcnow

keys_app = typer.Typer(help="The token signing keys.", no_args_is_help=True)


@keys_app.command("rotate")
def keys_rotate(
    drop_old: Annotated[
        bool,
        typer.Option(
            "--drop-old",
            help="Drop the old keys at once, for a key that leaked: every token they signed "
            "stops working within seconds and its holder must log in again.",
        ),
    ] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
    as_json: AsJson = False,
) -> None:
    """Sign tokens with a new key; the old one only verifies until its last token expires."""
    from packyard.auth.keyring import LOCK, rotate

    settings = settings_for(data_dir, database)
    store = open_store(settings)
    now = utcnow()
    with store.transaction(write=True) as conn:
        store.exclusive(conn, LOCK)
        done = rotate(conn, now=now, ttl_seconds=settings.token_ttl_seconds, drop_old=drop_old)
        record(conn, "keys.rotate", f"signing-key/{done.kid}")
    until = done.verify_until.isoformat(timespec="seconds") if done.verify_until else None
    if as_json:
        payload = {"kid": done.kid, "retired": done.retired, "dropped": done.dropped}
        typer.echo(json.dumps({**payload, "old_keys_verify_until": until}, indent=2))
        return
    typer.echo(f"tokens are signed with key {done.kid} from now on")
    if until:
        typer.echo(f"the old key {', '.join(done.retired)} verifies tokens until {until}")
    if done.dropped:
        typer.echo(f"dropped key(s) {', '.join(done.dropped)}: their tokens no longer work")


@keys_app.command("list")
def keys_list(
    data_dir: DataDir = DEFAULT_DATA_DIR, database: Database = None, as_json: AsJson = False
) -> None:
    """List the signing keys (never their secrets): which signs, until when the others verify."""
    from packyard.auth.keyring import verifies_until
    from packyard.store.keys import SigningKeys

    settings = settings_for(data_dir, database)
    with open_store(settings).transaction() as conn:
        found = SigningKeys(conn).all()
    items = []
    for key in found:
        until = verifies_until(key, settings.token_ttl_seconds)
        items.append(
            {
                "kid": key.kid,
                "created_at": key.created_at.isoformat(timespec="seconds"),
                "signs": key.retired_at is None,
                "verifies_until": until.isoformat(timespec="seconds") if until else None,
            }
        )
    if as_json:
        typer.echo(json.dumps(items, indent=2))
        return
    table = Table("key id", "created", "use")
    for item in items:
        use = "signs" if item["signs"] else f"verifies until {item['verifies_until']}"
        table.add_row(str(item["kid"]), str(item["created_at"]), use)
    Console().print(table)
