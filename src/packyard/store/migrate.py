"""Bring a store's schema to the newest revision (Alembic), safe to run at every start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Upgrade in one transaction; replicas starting together take turns (PostgreSQL)."""
    config = alembic_config()
    with engine.connect() as conn:
        conn.info["write"] = True
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('packyard-migrate'))"))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()


def known_revisions() -> set[str]:
    """Every schema revision this release's migrations know."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return {script.revision for script in scripts.walk_revisions()}
