"""The run task requests received, so that each task result is served once (on any replica,
and after a restart)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite

from packyard.store.tables import run_task_runs


class RunTaskRuns:
    """Queries over received run task requests, inside one open write transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def receive(self, registry_id: str, task_result_id: str, *, now: datetime) -> bool:
        """Record a task result; False if it was received before (by any replica)."""
        values = {"registry_id": registry_id, "task_result_id": task_result_id, "received_at": now}
        insert = postgresql.insert if self.conn.dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(run_task_runs)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(run_task_runs.c.task_result_id)
        )
        return self.conn.execute(statement).first() is not None

    def forget_before(self, moment: datetime) -> None:
        self.conn.execute(delete(run_task_runs).where(run_task_runs.c.received_at < moment))
