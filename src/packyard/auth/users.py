"""Users: principals that people sign in as, with a password (argon2id) or single sign-on.

A user is a principal like any other (role, organization, optional project, bucket grants),
so authorisation and the audit trail treat people and services alike; the audit names the
user by their name. A user never holds an API key: the principal's secret is one that no
key matches, and the password lives beside it, checked only by the sign-in page.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Connection, Row

from packyard.auth.principals import StoredSecret, create_principal
from packyard.domain.identity import Role
from packyard.errors import InvalidArgument, NotFound
from packyard.store.accounts import Accounts
from packyard.store.tenants import Tenants

NO_KEY = "!user"
"""A user's principal secret hash: not an argon2 hash, so no client secret ever matches."""
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


@dataclass(frozen=True)
class User:
    name: str
    principal_id: str
    role: Role
    organization_id: str
    project_id: str | None
    created_at: datetime
    has_password: bool
    sso_subject: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "principal_id": self.principal_id,
            "role": self.role.label,
            "organization_id": self.organization_id,
            "project_id": self.project_id,
            "created_at": self.created_at,
            "password": self.has_password,
            "sso_subject": self.sso_subject,
        }


def _user(row: Row[Any]) -> User:
    return User(
        name=row.name,
        principal_id=row.id,
        role=Role.parse(row.role),
        organization_id=row.organization_id,
        project_id=row.project_id,
        created_at=row.created_at,
        has_password=row.password_hash is not None,
        sso_subject=row.sso_subject,
    )


def digest(token: str) -> str:
    """How the store keeps a session cookie or a link's token: by its SHA-256 only."""
    return hashlib.sha256(token.encode()).hexdigest()


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
    made = create_principal(
        conn,
        name=name,
        role=role,
        organization_id=organization_id,
        project_id=project_id,
        now=now,
    )
    Tenants(conn).change_principal(made.principal_id, secret_hash=NO_KEY)
    issuer, subject = sso or (None, None)
    Accounts(conn).add_user(
        made.principal_id, password_hash=password_hash, sso_issuer=issuer, sso_subject=subject
    )
    found = Accounts(conn).user_by_id(made.principal_id)
    assert found is not None
    return _user(found)


def find_user(conn: Connection, name: str, organization_id: str | None = None) -> User:
    row = Accounts(conn).user(name)
    if row is None or organization_id not in (None, row.organization_id):
        raise NotFound(f'no user named "{name}"')
    return _user(row)


def list_users(conn: Connection, organization_id: str | None = None) -> list[User]:
    return [_user(row) for row in Accounts(conn).users(organization_id)]


def delete_user(conn: Connection, *, name: str, organization_id: str | None = None) -> None:
    """The user, their sessions and links go; what they did stays in the audit trail."""
    user = find_user(conn, name, organization_id)
    Tenants(conn).remove_principal(user.principal_id)


def reset_password(
    conn: Connection,
    *,
    name: str,
    password_hash: str | None,
    organization_id: str | None = None,
) -> User:
    """A new password (or none, until a link sets one); every session of the user ends."""
    user = find_user(conn, name, organization_id)
    tenants, accounts = Tenants(conn), Accounts(conn)
    row = tenants.principal_by_id(user.principal_id)
    assert row is not None
    tenants.change_principal(user.principal_id, secret_generation=row.secret_generation + 1)
    accounts.change_user(user.principal_id, password_hash=password_hash)
    accounts.end_sessions(user.principal_id)
    accounts.end_links(user.principal_id)
    return find_user(conn, name)


def password_of(conn: Connection, name: str) -> StoredSecret:
    """What a sign-in's password is checked against: a dummy for an unknown name or a user
    without a password, so that timing tells nothing."""
    row = Accounts(conn).user(name)
    if row is None or row.password_hash is None:
        return _dummy()
    return StoredSecret(row.id, row.secret_generation, row.password_hash)


def issue_link(conn: Connection, *, name: str, now: datetime, ttl_seconds: int) -> str:
    """A one-time link's token: whoever opens it sets the user's password and is signed in."""
    user = find_user(conn, name)
    token = secrets.token_urlsafe(32)
    Accounts(conn).add_link(
        id=digest(token),
        principal_id=user.principal_id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    return token


def link_user(conn: Connection, token: str, now: datetime) -> User:
    row = Accounts(conn).link(digest(token), now)
    found = None if row is None else Accounts(conn).user_by_id(row.principal_id)
    if found is None:
        raise NotFound("this sign-in link is not valid: it was used, has expired, or never was")
    return _user(found)


def link_path(token: str) -> str:
    return f"/signin/link/{token}"
