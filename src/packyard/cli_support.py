"""What every `packyard` command shares: the store options, settings, and a clean failure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from packyard.config import Settings
from packyard.store.engine import Store, make_engine
from packyard.store.migrate import migrate

DataDir = Annotated[
    Path, typer.Option("--data-dir", help="Where the store, keys and certificates live.")
]
Database = Annotated[
    str | None,
    typer.Option("--database", help="Store URL, e.g. postgresql://user@host/db (default: SQLite)."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


class Failure(Exception):
    """A clear message for the user, exit code 1."""


def settings_for(data_dir: Path, database: str | None, **more: Any) -> Settings:
    return Settings(data_dir=data_dir.expanduser().resolve(), database_url=database, **more)


def open_store(settings: Settings) -> Store:
    """The store, created and migrated to the newest schema if needed."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(make_engine(settings.store_url))
    migrate(store.engine)
    return store
