"""packyard vulndb: the offline OSV vulnerability database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from packyard.cli_support import (
    DEFAULT_DATA_DIR,
    Database,
    DataDir,
    open_store,
    recorded,
    settings_for,
)
from packyard.ids import utcnow

vulndb_app = typer.Typer(help="The offline OSV vulnerability database.", no_args_is_help=True)


@vulndb_app.command("import")
def vulndb_import(
    paths: Annotated[
        list[Path], typer.Argument(help="OSV JSON files, directories of them, or OSV zips.")
    ],
    max_record_bytes: Annotated[
        int | None,
        typer.Option(min=1, help="Largest JSON file or zip member, uncompressed [32 MiB]."),
    ] = None,
    max_total_bytes: Annotated[
        int | None, typer.Option(min=1, help="Most the import reads, uncompressed [2 GiB].")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    database: Database = None,
) -> None:
    """Load OSV vulnerability records (all or none); a known id replaces the old record."""
    from packyard.services.vulnerabilities import ImportLimits, import_osv
    from packyard.services.work import unit_of_work

    limits = ImportLimits()
    limits.record_bytes = max_record_bytes or limits.record_bytes
    limits.total_bytes = max_total_bytes or limits.total_bytes
    store = open_store(settings_for(data_dir, database))
    with unit_of_work(store, write=True) as work:
        count = import_osv(work, paths, now=utcnow(), limits=limits)
        recorded(work, "vulndb.import", ", ".join(str(path) for path in paths))
    typer.echo(f"imported {count} vulnerability record(s)")
