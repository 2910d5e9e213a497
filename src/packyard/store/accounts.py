"""Users, their console sessions, one-time sign-in links and single sign-on flows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, or_, select, update

from packyard.store.account_tables import sign_in_flows, sign_in_links, user_sessions, users
from packyard.store.tables import principals

USER = select(
    principals,
    users.c.password_hash,
    users.c.sso_issuer,
    users.c.sso_subject,
).select_from(principals.join(users, users.c.principal_id == principals.c.id))


class Accounts:
    """Queries over the account tables, inside one open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # users

    def user(self, name: str) -> Row[Any] | None:
        return self.conn.execute(USER.where(principals.c.name == name)).first()

    def user_by_id(self, principal_id: str) -> Row[Any] | None:
        return self.conn.execute(USER.where(principals.c.id == principal_id)).first()

    def user_by_subject(self, issuer: str, subject: str) -> Row[Any] | None:
        return self.conn.execute(
            USER.where(users.c.sso_issuer == issuer, users.c.sso_subject == subject)
        ).first()

    def users(self, organization_id: str | None = None) -> list[Row[Any]]:
        query = USER.order_by(principals.c.created_at, principals.c.id)
        if organization_id is not None:
            query = query.where(principals.c.organization_id == organization_id)
        return list(self.conn.execute(query))

    def add_user(self, principal_id: str, **values: Any) -> None:
        self.conn.execute(insert(users).values(principal_id=principal_id, **values))

    def change_user(self, principal_id: str, **values: Any) -> None:
        self.conn.execute(
            update(users).where(users.c.principal_id == principal_id).values(**values)
        )

    # sessions

    def add_session(self, **values: Any) -> None:
        self.conn.execute(insert(user_sessions).values(**values))

    def session(self, session_id: str) -> Row[Any] | None:
        return self.conn.execute(
            select(user_sessions).where(user_sessions.c.id == session_id)
        ).first()

    def sessions_of(self, principal_id: str, now: datetime) -> list[Row[Any]]:
        return list(
            self.conn.execute(
                select(user_sessions)
                .where(user_sessions.c.principal_id == principal_id)
                .where(user_sessions.c.expires_at > now)
                .order_by(user_sessions.c.created_at)
            )
        )

    def session_counts(self, now: datetime) -> dict[str, int]:
        rows = self.conn.execute(
            select(user_sessions.c.principal_id, func.count())
            .where(user_sessions.c.expires_at > now)
            .group_by(user_sessions.c.principal_id)
        )
        return {row[0]: int(row[1]) for row in rows}

    def touch_session(self, session_id: str, now: datetime) -> None:
        self.conn.execute(
            update(user_sessions).where(user_sessions.c.id == session_id).values(last_seen_at=now)
        )

    def end_session(self, session_id: str) -> None:
        self.conn.execute(delete(user_sessions).where(user_sessions.c.id == session_id))

    def end_sessions(self, principal_id: str) -> int:
        result = self.conn.execute(
            delete(user_sessions).where(user_sessions.c.principal_id == principal_id)
        )
        return int(result.rowcount)

    def end_stale_sessions(self, *, now: datetime, idle_before: datetime) -> None:
        self.conn.execute(
            delete(user_sessions).where(
                or_(user_sessions.c.expires_at <= now, user_sessions.c.last_seen_at < idle_before)
            )
        )

    # one-time links

    def add_link(self, **values: Any) -> None:
        self.conn.execute(insert(sign_in_links).values(**values))

    def link(self, link_id: str, now: datetime) -> Row[Any] | None:
        return self.conn.execute(
            select(sign_in_links)
            .where(sign_in_links.c.id == link_id)
            .where(sign_in_links.c.expires_at > now)
        ).first()

    def end_links(self, principal_id: str) -> None:
        self.conn.execute(delete(sign_in_links).where(sign_in_links.c.principal_id == principal_id))

    # single sign-on flows

    def add_flow(self, **values: Any) -> None:
        self.conn.execute(insert(sign_in_flows).values(**values))

    def take_flow(self, flow_id: str, now: datetime) -> Row[Any] | None:
        """The flow, once: it is deleted as it is read (and expired ones with it)."""
        row = self.conn.execute(
            select(sign_in_flows)
            .where(sign_in_flows.c.id == flow_id)
            .where(sign_in_flows.c.expires_at > now)
        ).first()
        self.conn.execute(
            delete(sign_in_flows).where(
                or_(sign_in_flows.c.id == flow_id, sign_in_flows.c.expires_at <= now)
            )
        )
        return row
