"""Users: principals that people sign in as, with a password (argon2id) or single sign-on.

A user is a principal like any other (role, organization, optional project, bucket grants),
so authorisation and the audit trail treat people and services alike; the audit names the
user by their name. A user never holds an API key: the principal's secret is one that no
key matches, and the password lives beside it, checked only by the sign-in page.
"""

from __future__ import annotations

import functools
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Connection

from packyard.auth.principals import StoredSecret
from packyard.domain.identity import Role
from packyard.errors import InvalidArgument
from packyard.services import accounts, logins
from packyard.services.accounts import NO_KEY as NO_KEY
from packyard.services.accounts import User as User
from packyard.services.accounts import digest as digest
from packyard.services.work import Work

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
BOOTSTRAP_USER = "administrator"
"""The user the first start makes beside the `admin` key, signed in through a one-time link."""

_hasher = PasswordHasher()  # argon2id


@functools.cache
def _dummy() -> StoredSecret:
    """What an unknown name is checked against (so it costs what a known one does); hashed at
    its first use, not at import, so that commands which never check a password start fast."""
    return StoredSecret(None, 0, _hasher.hash("not-a-password"))


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidArgument(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument(f"a password has at most {MAX_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a checked password: slow on purpose (run it off the event loop)."""
    return _hasher.hash(check_password(password))


def create_user(
    conn: Connection,
    *,
    name: str,
    role: Role,
    organization_id: str,
    project_id: str | None,
    now: datetime,
    password_hash: str | None = None,
    sso: tuple[str, str] | None = None,
) -> User:
    """A user with a password (its hash), an SSO subject (issuer, subject), or neither yet."""
    return accounts.add_user(
        Work(conn),
        name=name,
        role=role,
        organization_id=organization_id,
        project_id=project_id,
        now=now,
        password_hash=password_hash,
        sso=sso,
    )


def find_user(conn: Connection, name: str, organization_id: str | None = None) -> User:
    return accounts.user_named(Work(conn), name, organization_id)


def list_users(conn: Connection, organization_id: str | None = None) -> list[User]:
    return accounts.users_of(Work(conn), organization_id)


def delete_user(conn: Connection, *, name: str, organization_id: str | None = None) -> None:
    """The user, their sessions and links go; what they did stays in the audit trail."""
    accounts.remove_user(Work(conn), name=name, organization_id=organization_id)


def reset_password(
    conn: Connection,
    *,
    name: str,
    password_hash: str | None,
    organization_id: str | None = None,
) -> User:
    """A new password (or none, until a link sets one); every session of the user ends."""
    return accounts.new_password(
        Work(conn), name=name, password_hash=password_hash, organization_id=organization_id
    )


def password_of(work: Work, name: str) -> StoredSecret:
    """What a sign-in's password is checked against: a dummy for an unknown name or a user
    without a password, so that timing tells nothing."""
    return logins.password_of(work, name) or _dummy()


def issue_link(conn: Connection, *, name: str, now: datetime, ttl_seconds: int) -> str:
    """A one-time link's token: whoever opens it sets the user's password and is signed in."""
    return accounts.new_link(Work(conn), name=name, now=now, ttl_seconds=ttl_seconds)


def link_user(conn: Connection, token: str, now: datetime) -> User:
    return accounts.linked_user(Work(conn), token, now)


def link_path(token: str) -> str:
    return f"/signin/link/{token}"
