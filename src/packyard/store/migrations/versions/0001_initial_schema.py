"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_table(
        "vulnerabilities",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vulnerabilities")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_projects_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_table(
        "vulnerable_packages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vulnerability_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("purl", sa.String(length=1024), nullable=False),
        sa.ForeignKeyConstraint(
            ["vulnerability_id"],
            ["vulnerabilities.id"],
            name=op.f("fk_vulnerable_packages_vulnerability_id_vulnerabilities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vulnerable_packages")),
    )
    with op.batch_alter_table("vulnerable_packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vulnerable_packages_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vulnerable_packages_vulnerability_id"),
            ["vulnerability_id"],
            unique=False,
        )

    op.create_table(
        "buckets",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_buckets_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buckets")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_buckets_project_id_name")),
    )
    op.create_table(
        "enforced_blocks",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_enforced_blocks_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforced_blocks")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_enforced_blocks_project_id_name")),
    )
    op.create_table(
        "principals",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column("secret_generation", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_principals_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_principals_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principals")),
        sa.UniqueConstraint("client_id", name=op.f("uq_principals_client_id")),
        sa.UniqueConstraint("name", name=op.f("uq_principals_name")),
    )
    op.create_table(
        "registries",
        sa.Column("project_id", sa.String(length=36), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("activated", sa.Boolean(), nullable=False),
        sa.Column("feature_tier", sa.String(length=20), nullable=False),
        sa.Column("run_task_api_id", sa.String(length=26), nullable=False),
        sa.Column("run_task_hmac_key", sa.String(length=100), nullable=False),
        sa.Column(
            "run_task_untracked", sa.String(length=10), server_default="UNSET", nullable=False
        ),
        sa.Column("content_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_registries_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_registries")),
        sa.UniqueConstraint("id", name=op.f("uq_registries_id")),
    )
    op.create_table(
        "enforced_block_versions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("block_id", sa.String(length=26), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("template_type", sa.String(length=30), nullable=False),
        sa.Column("block_content", sa.Text(), nullable=False),
        sa.Column("additional_description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["enforced_blocks.id"],
            name=op.f("fk_enforced_block_versions_block_id_enforced_blocks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforced_block_versions")),
        sa.UniqueConstraint(
            "block_id", "version", name=op.f("uq_enforced_block_versions_block_id_version")
        ),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("bucket_id", sa.String(length=26), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("template_type", sa.String(length=30), nullable=False),
        sa.Column("author_id", sa.String(length=200), nullable=False),
        sa.Column("revoke_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_message", sa.Text(), nullable=False),
        sa.Column("revocation_author", sa.String(length=200), nullable=False),
        sa.Column("revoked_from_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bucket_id"],
            ["buckets.id"],
            name=op.f("fk_versions_bucket_id_buckets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint(
            "bucket_id", "fingerprint", name=op.f("uq_versions_bucket_id_fingerprint")
        ),
        sa.UniqueConstraint("bucket_id", "sequence", name=op.f("uq_versions_bucket_id_sequence")),
    )
    op.create_table(
        "builds",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("version_id", sa.String(length=26), nullable=False),
        sa.Column("component_type", sa.String(length=255), nullable=False),
        sa.Column("packer_run_uuid", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("source_external_identifier", sa.String(length=255), nullable=False),
        sa.Column("parent_version_id", sa.String(length=26), nullable=True),
        sa.Column("parent_channel_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_builds_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_builds")),
        sa.UniqueConstraint(
            "version_id", "component_type", name=op.f("uq_builds_version_id_component_type")
        ),
    )
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.create_index("ix_builds_parent_version_id", ["parent_version_id"], unique=False)

    op.create_table(
        "channels",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("bucket_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version_id", sa.String(length=26), nullable=True),
        sa.Column("managed", sa.Boolean(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bucket_id"],
            ["buckets.id"],
            name=op.f("fk_channels_bucket_id_buckets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_channels_version_id_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint("bucket_id", "name", name=op.f("uq_channels_bucket_id_name")),
    )
    op.create_table(
        "enforced_block_links",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("block_id", sa.String(length=26), nullable=False),
        sa.Column("version_id", sa.String(length=26), nullable=False),
        sa.Column("bucket_id", sa.String(length=26), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["block_id"],
            ["enforced_blocks.id"],
            name=op.f("fk_enforced_block_links_block_id_enforced_blocks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bucket_id"],
            ["buckets.id"],
            name=op.f("fk_enforced_block_links_bucket_id_buckets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["enforced_block_versions.id"],
            name=op.f("fk_enforced_block_links_version_id_enforced_block_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforced_block_links")),
        sa.UniqueConstraint(
            "block_id", "bucket_id", name=op.f("uq_enforced_block_links_block_id_bucket_id")
        ),
    )
    op.create_table(
        "artifacts",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("build_id", sa.String(length=26), nullable=False),
        sa.Column("external_identifier", sa.String(length=512), nullable=False),
        sa.Column("region", sa.String(length=255), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"],
            ["builds.id"],
            name=op.f("fk_artifacts_build_id_builds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artifacts")),
    )
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_artifacts_build_id"), ["build_id"], unique=False)

    op.create_table(
        "channel_history",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("channel_id", sa.String(length=26), nullable=False),
        sa.Column("version_id", sa.String(length=26), nullable=True),
        sa.Column("author_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_channel_history_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_history")),
    )
    with op.batch_alter_table("channel_history", schema=None) as batch_op:
        batch_op.create_index("ix_channel_history_channel_id", ["channel_id", "id"], unique=False)

    op.create_table(
        "sboms",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("build_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("compressed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"], ["builds.id"], name=op.f("fk_sboms_build_id_builds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sboms")),
        sa.UniqueConstraint("build_id", "name", name=op.f("uq_sboms_build_id_name")),
    )
    op.create_table(
        "packages",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("sbom_id", sa.String(length=26), nullable=False),
        sa.Column("build_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("version", sa.String(length=255), nullable=False),
        sa.Column("purl", sa.String(length=1024), nullable=False),
        sa.Column("license", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["sbom_id"], ["sboms.id"], name=op.f("fk_packages_sbom_id_sboms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packages_build_id"), ["build_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_packages_sbom_id"), ["sbom_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packages_sbom_id"))
        batch_op.drop_index(batch_op.f("ix_packages_build_id"))

    op.drop_table("packages")
    op.drop_table("sboms")
    with op.batch_alter_table("channel_history", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_history_channel_id")

    op.drop_table("channel_history")
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifacts_build_id"))

    op.drop_table("artifacts")
    op.drop_table("enforced_block_links")
    op.drop_table("channels")
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.drop_index("ix_builds_parent_version_id")

    op.drop_table("builds")
    op.drop_table("versions")
    op.drop_table("enforced_block_versions")
    op.drop_table("registries")
    op.drop_table("principals")
    op.drop_table("enforced_blocks")
    op.drop_table("buckets")
    with op.batch_alter_table("vulnerable_packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vulnerable_packages_vulnerability_id"))
        batch_op.drop_index(batch_op.f("ix_vulnerable_packages_name"))

    op.drop_table("vulnerable_packages")
    op.drop_table("projects")
    op.drop_table("vulnerabilities")
    op.drop_table("organizations")
