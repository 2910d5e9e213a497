"""Both stores get the same schema from the migrations; store failures are one-line CLI errors."""

from __future__ import annotations

import os
import subprocess

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from packyard.config import Settings
from packyard.store.engine import make_engine
from packyard.store.migrate import alembic_config
from packyard.store.tables import metadata
from tests.support.postgres import PostgresCluster
from tests.support.server import PACKYARD, free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path) -> tuple[str | None, Settings]:
    database = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database("migrations")
    return database, Settings(data_dir=tmp_path, database_url=database)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PACKYARD, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def _differences(settings: Settings) -> list[object]:
    engine = make_engine(settings.store_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_make_the_schema_and_undo_it(store, tmp_path):
    database, settings = store
    args = ["migrate", "--data-dir", str(tmp_path)] + (["--database", database] if database else [])
    first = _cli(*args)
    assert first.returncode == 0, first.stderr
    assert _differences(settings) == []
    again = _cli(*args)
    assert again.returncode == 0 and "up to date" in again.stdout
    engine = make_engine(settings.store_url)
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            command.upgrade(config, "head")
    finally:
        engine.dispose()
    assert _differences(settings) == []


def _one_line_error(result: subprocess.CompletedProcess[str], starts: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(starts), lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_a_one_line_error(tmp_path):
    nowhere = f"postgresql://packyard@127.0.0.1:{free_port()}/packyard"
    for args in (
        ["migrate"],
        ["principal", "list"],
        ["serve", "--port", str(free_port())],
    ):
        result = _cli(*args, "--data-dir", str(tmp_path), "--database", nowhere)
        _one_line_error(result, "error: cannot reach the store: ")
        assert "Connection refused" in result.stderr
    # Without --database, PACKYARD_DATABASE_URL names the store.
    result = _cli("migrate", "--data-dir", str(tmp_path), env={"PACKYARD_DATABASE_URL": nowhere})
    _one_line_error(result, "error: cannot reach the store: ")


def test_unusable_settings_are_one_line_errors(tmp_path):
    result = _cli("migrate", "--data-dir", str(tmp_path), "--database", "mysql://db/packyard")
    _one_line_error(result, "error: --database takes a PostgreSQL URL")
    result = _cli("migrate", "--data-dir", str(tmp_path), env={"PACKYARD_DB_POOL_SIZE": "many"})
    _one_line_error(result, "error: PACKYARD_DB_POOL_SIZE must be a number")


def test_missing_database_is_named(postgres: PostgresCluster, tmp_path):
    result = _cli(
        "migrate", "--data-dir", str(tmp_path), "--database", postgres.admin_url("no_such_db")
    )
    _one_line_error(result, "error: cannot reach the store: ")
    assert 'database "no_such_db" does not exist' in result.stderr
