"""run task runs: the task results a run task request was received for, each served once

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_task_runs",
        sa.Column("registry_id", sa.String(length=26), nullable=False),
        sa.Column("task_result_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registry_id", "task_result_id", name=op.f("pk_run_task_runs")),
    )
    op.create_index("ix_run_task_runs_received_at", "run_task_runs", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_run_task_runs_received_at", table_name="run_task_runs")
    op.drop_table("run_task_runs")
