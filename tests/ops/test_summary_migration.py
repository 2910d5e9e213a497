"""Migration 0011 fills the buckets' summaries from what a store already holds (each bucket's
version count, each version's platforms, each child build's parent bucket), on both stores,
and its downgrade takes them away again leaving the versions in place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, text

from packyard.config import Settings
from packyard.store.engine import make_engine
from packyard.store.migrate import alembic_config
from tests.support.postgres import PostgresCluster

_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request: pytest.FixtureRequest, tmp_path) -> Settings:
    database = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database("summaries")
    return Settings(data_dir=tmp_path, database_url=database)


def _to(conn: Connection, revision: str, *, down: bool = False) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(config, revision)


def _insert(conn: Connection, table: str, **row: object) -> None:
    names = ", ".join(row)
    conn.execute(text(f"INSERT INTO {table} ({names}) VALUES (:{', :'.join(row)})"), row)


def _content(conn: Connection) -> None:
    """Two buckets as 0010 kept them: 'base' with two versions (builds on aws twice and gce,
    one without a platform), 'child' with one version built from base's second one."""
    _insert(conn, "organizations", id="o", name="o", created_at=_NOW)
    _insert(
        conn, "projects", id="p", organization_id="o", name="p", description="", created_at=_NOW
    )
    for bucket in ("base", "child", "empty"):
        _insert(
            conn,
            "buckets",
            id=bucket,
            organization_id="o",
            project_id="p",
            name=bucket,
            description="",
            labels="{}",
            created_at=_NOW,
            updated_at=_NOW,
        )
    for version, bucket in (("v1", "base"), ("v2", "base"), ("c1", "child")):
        _insert(
            conn,
            "versions",
            id=version,
            bucket_id=bucket,
            fingerprint=version,
            template_type="HCL2",
            author_id="a",
            revocation_message="",
            revocation_author="",
            created_at=_NOW,
            updated_at=_NOW,
        )
    for build, version, platform, parent in (
        ("b1", "v1", "aws", None),
        ("b2", "v1", "aws", None),
        ("b3", "v2", "gce", None),
        ("b4", "v2", "", None),
        ("b5", "c1", "aws", "v2"),
    ):
        _insert(
            conn,
            "builds",
            id=build,
            version_id=version,
            component_type=build,
            packer_run_uuid="",
            platform=platform,
            status="DONE",
            labels="{}",
            metadata="{}",
            source_external_identifier="",
            parent_version_id=parent,
            created_at=_NOW,
            updated_at=_NOW,
        )


def test_the_migration_fills_the_summaries_from_the_stored_history(settings: Settings) -> None:
    engine = make_engine(settings.store_url)
    try:
        with engine.begin() as conn:
            _to(conn, "0010")
            _content(conn)
            _to(conn, "0011")
            counts = dict(conn.execute(text("SELECT id, version_count FROM buckets")).all())
            platforms = conn.execute(
                text(
                    "SELECT version_id, platform, bucket_id FROM version_platforms"
                    " ORDER BY version_id, platform"
                )
            ).all()
            parents = dict(conn.execute(text("SELECT id, parent_bucket_id FROM builds")).all())
            assert counts == {"base": 2, "child": 1, "empty": 0}
            assert [tuple(row) for row in platforms] == [
                ("c1", "aws", "child"),
                ("v1", "aws", "base"),
                ("v2", "gce", "base"),
            ]
            assert parents == {"b1": None, "b2": None, "b3": None, "b4": None, "b5": "base"}
            _to(conn, "0010", down=True)
            left = conn.execute(text("SELECT count(*) FROM versions")).scalar_one()
            assert left == 3
    finally:
        engine.dispose()
