"""workload identity providers: the OIDC issuers a project's service principal trusts

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workload_identity_providers",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("principal_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("issuer_uri", sa.Text(), nullable=False),
        sa.Column("allowed_audiences", sa.Text(), nullable=False),
        sa.Column("conditional_access", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_workload_identity_providers_principal_id_principals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workload_identity_providers")),
        sa.UniqueConstraint(
            "principal_id", "name", name=op.f("uq_workload_identity_providers_principal_id_name")
        ),
    )


def downgrade() -> None:
    op.drop_table("workload_identity_providers")
