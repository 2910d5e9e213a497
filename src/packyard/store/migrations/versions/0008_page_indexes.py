"""page indexes: a project's buckets and a bucket's versions in id order, for keyset pages

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_buckets_project_id_id", "buckets", ["project_id", "id"])
    op.create_index("ix_versions_bucket_id_id", "versions", ["bucket_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_versions_bucket_id_id", table_name="versions")
    op.drop_index("ix_buckets_project_id_id", table_name="buckets")
