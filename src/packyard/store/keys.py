"""Server-wide secrets kept in the store, so that every replica reads the same ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from packyard.store.tables import server_keys, signing_keys


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

    def remove(self, name: str) -> None:
        self.conn.execute(delete(server_keys).where(server_keys.c.name == name))


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: bytes
    created_at: datetime
    retired_at: datetime | None  # when a newer key took over signing; None while it signs


class SigningKeys:
    """The token signing keys, oldest first."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def all(self) -> list[SigningKey]:
        rows = self.conn.execute(select(signing_keys).order_by(signing_keys.c.kid)).all()
        return [
            SigningKey(row.kid, str(row.secret).encode(), row.created_at, row.retired_at)
            for row in rows
        ]

    def add(self, kid: str, secret: str, *, now: datetime) -> None:
        self.conn.execute(insert(signing_keys).values(kid=kid, secret=secret, created_at=now))

    def retire_all(self, *, now: datetime) -> list[str]:
        """Retire every key that signs; returns their ids."""
        signing = self.conn.execute(
            select(signing_keys.c.kid).where(signing_keys.c.retired_at.is_(None))
        ).scalars()
        kids = [str(kid) for kid in signing]
        if kids:
            self.conn.execute(
                update(signing_keys).where(signing_keys.c.kid.in_(kids)).values(retired_at=now)
            )
        return kids

    def drop(self, kids: Iterable[str]) -> None:
        """Remove retired keys (a key that signs is never dropped)."""
        wanted = list(kids)
        if wanted:
            self.conn.execute(
                delete(signing_keys).where(
                    signing_keys.c.kid.in_(wanted), signing_keys.c.retired_at.is_not(None)
                )
            )
