"""user accounts: users (principals with a password or an SSO subject), console sessions,
one-time sign-in links and single sign-on flows

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _principal(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["principal_id"],
        ["principals.id"],
        name=op.f(f"fk_{table}_principal_id_principals"),
        ondelete="CASCADE",
    )


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("principal_id", sa.String(length=26), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("sso_issuer", sa.String(length=512), nullable=True),
        sa.Column("sso_subject", sa.String(length=255), nullable=True),
        _principal("users"),
        sa.PrimaryKeyConstraint("principal_id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "sso_issuer", "sso_subject", name=op.f("uq_users_sso_issuer_sso_subject")
        ),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=26), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("last_seen_at"),
        _ts("expires_at"),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        _principal("user_sessions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    op.create_index("ix_user_sessions_principal_id", "user_sessions", ["principal_id"])
    op.create_table(
        "sign_in_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=26), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _principal("sign_in_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_links")),
    )
    op.create_table(
        "sign_in_flows",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("return_to", sa.Text(), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_flows")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_flows")
    op.drop_table("sign_in_links")
    op.drop_index("ix_user_sessions_principal_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_table("users")
