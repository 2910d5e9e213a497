"""A signed-in user's own account: who they are and their open sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from packyard.auth import sessions
from packyard.auth.principals import actor_for
from packyard.auth.users import User, find_user
from packyard.config import SessionSettings
from packyard.store.accounts import Accounts
from packyard.store.engine import Store


@dataclass(frozen=True)
class Account:
    user: User
    sessions: list[sessions.SessionInfo]


def account_of(
    store: Store, principal: tuple[str, int], now: datetime, settings: SessionSettings
) -> Account:
    """Unauthenticated if the principal is gone, was reset, or is not a user."""
    with store.transaction() as conn:
        actor, _ = actor_for(conn, principal_id=principal[0], generation=principal[1])
        user = find_user(conn, actor.name)
        return Account(
            user, sessions.sessions_of(Accounts(conn), actor.principal_id, now, settings)
        )
