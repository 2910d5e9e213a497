"""Signing people in and out of the console, each in one transaction with its audit line.

The audit line names the user (their principal's name), as every console action's does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from packyard.auth import sessions, users
from packyard.auth.principals import actor_for
from packyard.config import SessionSettings
from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Actor
from packyard.store.accounts import Accounts
from packyard.store.audit import AuditLog
from packyard.store.engine import Store
from packyard.store.tenants import Tenants

EventFor = Callable[[Actor, str], AuditEvent]
"""The audit event of a sign-in operation by this actor (the request as the wire saw it)."""


def sign_in(
    store: Store,
    *,
    principal_id: str,
    generation: int,
    now: datetime,
    settings: SessionSettings,
    source: str,
    user_agent: str,
    event_for: EventFor,
    operation: str = "SignIn",
) -> str:
    """A new session's token for a user whose password (or provider) was checked."""
    with store.transaction(write=True) as conn:
        actor, _ = actor_for(conn, principal_id=principal_id, generation=generation)
        token = sessions.start(
            Accounts(conn),
            principal_id=principal_id,
            generation=generation,
            now=now,
            settings=settings,
            source=source,
            user_agent=user_agent,
        )
        AuditLog(conn).record(event_for(actor, operation))
    return token


def sign_out(
    store: Store,
    *,
    token: str,
    principal: tuple[str, int] | None,
    everywhere: bool,
    event_for: EventFor,
) -> None:
    """End this session (or, `everywhere`, every session of its user)."""
    with store.transaction(write=True) as conn:
        accounts = Accounts(conn)
        sessions.end(accounts, token)
        if principal is None:
            return
        row = Tenants(conn).principal_by_id(principal[0])
        if row is None:
            return
        actor, _ = actor_for(conn, principal_id=principal[0], generation=row.secret_generation)
        if everywhere:
            accounts.end_sessions(principal[0])
        AuditLog(conn).record(event_for(actor, "SignOutEverywhere" if everywhere else "SignOut"))


def set_password_by_link(
    store: Store,
    *,
    link_token: str,
    password_hash: str,
    now: datetime,
    settings: SessionSettings,
    source: str,
    user_agent: str,
    event_for: EventFor,
) -> str:
    """Use a one-time link: the user's new password, and a session for them."""
    with store.transaction(write=True) as conn:
        user = users.link_user(conn, link_token, now)
        users.reset_password(conn, name=user.name, password_hash=password_hash)
        row = Tenants(conn).principal_by_id(user.principal_id)
        assert row is not None
        actor, _ = actor_for(conn, principal_id=row.id, generation=row.secret_generation)
        AuditLog(conn).record(event_for(actor, "SetPassword"))
        token = sessions.start(
            Accounts(conn),
            principal_id=row.id,
            generation=row.secret_generation,
            now=now,
            settings=settings,
            source=source,
            user_agent=user_agent,
        )
        AuditLog(conn).record(event_for(actor, "SignIn"))
    return token
