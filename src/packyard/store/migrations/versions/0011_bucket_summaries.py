"""bucket summaries: each bucket's version count, each version's platforms with its bucket,
and each child build's parent bucket, kept by the writes (so a page of buckets reads no
bucket's history); filled from the versions and builds already stored

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "buckets",
        sa.Column("version_count", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "version_platforms",
        sa.Column("version_id", sa.String(length=26), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("bucket_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_version_platforms_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "platform", name=op.f("pk_version_platforms")),
    )
    op.create_index(
        "ix_version_platforms_bucket_id", "version_platforms", ["bucket_id", "platform"]
    )
    op.add_column("builds", sa.Column("parent_bucket_id", sa.String(length=26), nullable=True))
    op.create_index("ix_builds_parent_bucket_id", "builds", ["parent_bucket_id"])
    op.execute(
        "UPDATE builds SET parent_bucket_id ="
        " (SELECT versions.bucket_id FROM versions WHERE versions.id = builds.parent_version_id)"
        " WHERE builds.parent_version_id IS NOT NULL"
    )
    op.execute(
        "UPDATE buckets SET version_count ="
        " (SELECT count(*) FROM versions WHERE versions.bucket_id = buckets.id)"
    )
    op.execute(
        "INSERT INTO version_platforms (version_id, platform, bucket_id)"
        " SELECT DISTINCT builds.version_id, builds.platform, versions.bucket_id"
        " FROM builds JOIN versions ON versions.id = builds.version_id"
        " WHERE builds.platform != ''"
    )


def downgrade() -> None:
    op.drop_index("ix_builds_parent_bucket_id", table_name="builds")
    op.drop_column("builds", "parent_bucket_id")
    op.drop_index("ix_version_platforms_bucket_id", table_name="version_platforms")
    op.drop_table("version_platforms")
    # a plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later): a batch copy of the
    # table would drop the old one, and with it, by cascade, every version
    op.drop_column("buckets", "version_count")
