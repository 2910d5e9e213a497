"""Server-wide secrets kept in the store, so that every replica reads the same ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from packyard.store.tables import server_keys


class ServerKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, name: str) -> str | None:
        found = self.conn.execute(
            select(server_keys.c.secret).where(server_keys.c.name == name)
        ).scalar()
        return None if found is None else str(found)

    def add_unless_present(self, name: str, secret: str, *, now: datetime) -> None:
        """Keep `secret` unless another process stored one under `name` first."""
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        self.conn.execute(
            dialect.insert(server_keys)
            .values(name=name, secret=secret, created_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
