"""The one login throttle of a server process, shared by every door a secret comes in by.

The token endpoint, the console's sign-in and the workload identity token exchange all
check and count failures in the same `LoginThrottle`, so a guesser who switches doors keeps
the budget it spent at the others: the count per source address is one count, and so is
the count per (name, address) for a name used at more than one door.

What a secret is checked against is read here too: a client id's key and a user's password
(`packyard.auth.logins` checks them, against a dummy hash for an unknown name).
"""

from __future__ import annotations

from dataclasses import dataclass

from packyard.config import LoginSettings
from packyard.domain.throttle import LoginThrottle, ThrottleLimits
from packyard.store.work import Work


def login_throttle(settings: LoginSettings) -> LoginThrottle:
    """The throttle the settings describe; the app makes one and every door uses it."""
    return LoginThrottle(
        ThrottleLimits(
            per_client_address=settings.failures_per_client_address,
            per_client=settings.failures_per_client,
            per_address=settings.failures_per_address,
            window_seconds=settings.window_seconds,
        )
    )


@dataclass(frozen=True)
class StoredSecret:
    """What a login's secret is checked against: the principal, its secret generation and
    the argon2 hash kept of its key or its user's password."""

    principal_id: str | None
    generation: int
    secret_hash: str


def credentials_of(work: Work, client_id: str) -> StoredSecret | None:
    """The key a token request's client id names, or None for an unknown id."""
    row = work.tenants.principal_by_client_id(client_id)
    if row is None:
        return None
    return StoredSecret(row.id, row.secret_generation, row.secret_hash)


def password_of(work: Work, name: str) -> StoredSecret | None:
    """The password a sign-in's user name names, or None for an unknown name or a user
    without a password (one who signs in by a link or single sign-on only)."""
    row = work.accounts.user(name)
    if row is None or row.password_hash is None:
        return None
    return StoredSecret(row.id, row.secret_generation, row.password_hash)
