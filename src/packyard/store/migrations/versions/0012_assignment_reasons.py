"""channel history keeps why each assignment was made (manual, rollback, completed, created,
deleted); entries written before are `completed` on the managed `latest` channel, `created`
for a channel's first entry written with the channel, and `unknown` otherwise

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_history", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason", sa.String(length=20), nullable=False, server_default="unknown")
        )
    op.execute(
        "UPDATE channel_history SET reason = 'completed'"
        " WHERE channel_id IN (SELECT id FROM channels WHERE managed)"
    )
    op.execute(
        "UPDATE channel_history SET reason = 'created'"
        " WHERE reason = 'unknown'"
        " AND id = (SELECT min(earlier.id) FROM channel_history AS earlier"
        " WHERE earlier.channel_id = channel_history.channel_id)"
        " AND created_at = (SELECT made.created_at FROM channels AS made"
        " WHERE made.id = channel_history.channel_id)"
    )
    with op.batch_alter_table("channel_history", schema=None) as batch_op:
        batch_op.alter_column("reason", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("channel_history", schema=None) as batch_op:
        batch_op.drop_column("reason")
