"""Console sessions, kept in the store: every replica knows them, and ending one ends it
everywhere. The browser holds a random token; the store holds only its SHA-256.

A session ends `idle_seconds` after its last request or `max_seconds` after sign-in,
whichever is first. Its last request is written at most every `touch_seconds`, so a busy
page costs one read, not a write per request.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from packyard.config import SessionSettings
from packyard.services.accounts import SessionInfo as SessionInfo
from packyard.services.accounts import digest, live, open_sessions
from packyard.services.work import Store, Work
from packyard.store.accounts import Accounts


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


def resolve(
    store: Store, token: str, now: datetime, settings: SessionSettings
) -> tuple[str, int] | None:
    """The (principal id, generation) a live session signs in as; None for any other token."""
    session_id = digest(token)
    with store.transaction() as conn:
        row = Accounts(conn).session(session_id)
    if row is None:
        return None
    if not live(row, now, settings):
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
    return open_sessions(Work(accounts.conn), principal_id, now, settings)
