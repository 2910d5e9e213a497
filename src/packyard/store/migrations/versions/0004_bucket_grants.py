"""bucket grants: roles granted on one bucket through its IAM policy

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bucket_grants",
        sa.Column("bucket_id", sa.String(length=26), nullable=False),
        sa.Column("principal_id", sa.String(length=26), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bucket_id"],
            ["buckets.id"],
            name=op.f("fk_bucket_grants_bucket_id_buckets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_bucket_grants_principal_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("bucket_id", "principal_id", "role", name=op.f("pk_bucket_grants")),
    )
    op.create_index("ix_bucket_grants_principal_id", "bucket_grants", ["principal_id"])


def downgrade() -> None:
    op.drop_index("ix_bucket_grants_principal_id", table_name="bucket_grants")
    op.drop_table("bucket_grants")
