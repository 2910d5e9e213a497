"""Console sessions, kept in the store: every replica knows them, and ending one ends it
everywhere. The browser holds a random token; the store holds only its SHA-256.

A session ends `idle_seconds` after its last request or `max_seconds` after sign-in,
whichever is first. Its last request is written at most every `touch_seconds`, so a busy
page costs one read, not a write per request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from packyard.auth.users import digest
from packyard.config import SessionSettings
from packyard.store.accounts import Accounts
from packyard.store.engine import Store


@dataclass(frozen=True)
class SessionInfo:
    """A session as its user's list shows it (never its token)."""

    id: str  # the first characters of the token's digest: names it, gives nothing away
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    source: str
    user_agent: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at,
            "last_seen_at": self.last_seen_at,
            "expires_at": self.expires_at,
            "source": self.source,
            "user_agent": self.user_agent,
        }


def touch_seconds(settings: SessionSettings) -> float:
    return min(60.0, settings.idle_seconds / 4)


def start(
    accounts: Accounts,
    *,
    principal_id: str,
    generation: int,
    now: datetime,
    settings: SessionSettings,
    source: str,
    user_agent: str,
) -> str:
    """A new session's token (for the cookie); stale sessions of everyone are swept."""
    accounts.end_stale_sessions(now=now, idle_before=now - timedelta(seconds=settings.idle_seconds))
    token = secrets.token_urlsafe(32)
    accounts.add_session(
        id=digest(token),
        principal_id=principal_id,
        generation=generation,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.max_seconds),
        source=source[:100],
        user_agent=user_agent[:200],
    )
    return token


def _live(row: Row[Any], now: datetime, settings: SessionSettings) -> bool:
    idle_until = row.last_seen_at + timedelta(seconds=settings.idle_seconds)
    return bool(row.expires_at > now and idle_until > now)


def resolve(
    store: Store, token: str, now: datetime, settings: SessionSettings
) -> tuple[str, int] | None:
    """The (principal id, generation) a live session signs in as; None for any other token."""
    session_id = digest(token)
    with store.transaction() as conn:
        row = Accounts(conn).session(session_id)
    if row is None:
        return None
    if not _live(row, now, settings):
        with store.transaction(write=True) as conn:
            Accounts(conn).end_session(session_id)
        return None
    if (now - row.last_seen_at).total_seconds() >= touch_seconds(settings):
        with store.transaction(write=True) as conn:
            Accounts(conn).touch_session(session_id, now)
    return str(row.principal_id), int(row.generation)


def end(accounts: Accounts, token: str) -> None:
    accounts.end_session(digest(token))


def sessions_of(
    accounts: Accounts, principal_id: str, now: datetime, settings: SessionSettings
) -> list[SessionInfo]:
    return [
        SessionInfo(
            row.id[:12],
            row.created_at,
            row.last_seen_at,
            row.expires_at,
            row.source,
            row.user_agent,
        )
        for row in accounts.sessions_of(principal_id, now)
        if _live(row, now, settings)
    ]


def open_counts(conn: Connection, now: datetime) -> dict[str, int]:
    """Open sessions per principal id."""
    return Accounts(conn).session_counts(now)


def of_user(
    conn: Connection, principal_id: str, now: datetime, settings: SessionSettings
) -> list[SessionInfo]:
    return sessions_of(Accounts(conn), principal_id, now, settings)


def end_all(conn: Connection, principal_id: str) -> None:
    """Sign the user out everywhere."""
    Accounts(conn).end_sessions(principal_id)
