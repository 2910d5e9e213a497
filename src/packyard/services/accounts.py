"""People's accounts: users, their console sessions and one-time sign-in links, and the
use cases an organization-wide admin calls to manage them and to read the audit trail.

A user is a principal whose key no client secret matches; it signs in to the console with a
password (its argon2 hash, made by packyard.auth before the transaction) or single sign-on.
Each use case takes the unit of work; packyard.auth keeps the passwords and the sessions'
cookies, and calls the user finders here for the CLI, sign-in and single sign-on.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from packyard.config import SessionSettings
from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Actor, Role, within
from packyard.errors import InvalidArgument, NotFound, PermissionDenied
from packyard.services.audit_trail import MAX_PAGE, AuditQuery, audit_page
from packyard.services.tenants import PrincipalKey, create_principal
from packyard.store.work import Work

NO_KEY = "!user"
"""A user's principal secret hash: not an argon2 hash, so no client secret ever matches."""


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


@dataclass(frozen=True)
class Listed:
    """A user and how many console sessions it has open."""

    user: User
    sessions: int


@dataclass(frozen=True)
class Made:
    """A user just made or reset, and the token of its one-time sign-in link (None when a
    password was given)."""

    user: User
    link_token: str | None


def organization_admin(actor: Actor) -> str:
    """The rule: only an organization-wide admin manages people and reads the audit trail
    (a user or key bound to one project could otherwise make users of any project). The
    route asks for the admin role; this adds that the admin is organization-wide. Answers
    the organization managed."""
    if actor.project_id is not None:
        raise PermissionDenied(
            "only an organization-wide admin manages principals and users and reads the audit"
        )
    return actor.organization_id


def digest(token: str) -> str:
    """How the store keeps a session cookie or a link's token: by its SHA-256 only."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: Any) -> User:
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


def live(row: Any, now: datetime, settings: SessionSettings) -> bool:
    """Whether a stored session still signs in: before its expiry, and not idle too long."""
    idle_until = row.last_seen_at + timedelta(seconds=settings.idle_seconds)
    return bool(row.expires_at > now and idle_until > now)


# the user records (also what packyard.auth and the CLI call) -------------------------------


def add_user(
    work: Work,
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
    key = PrincipalKey(secrets.token_hex(16), "", NO_KEY)
    made = create_principal(
        work,
        name=name,
        role=role,
        organization_id=organization_id,
        project_id=project_id,
        key=key,
        now=now,
    )
    issuer, subject = sso or (None, None)
    work.accounts.add_user(
        made.principal_id, password_hash=password_hash, sso_issuer=issuer, sso_subject=subject
    )
    found = work.accounts.user_by_id(made.principal_id)
    assert found is not None
    return _user(found)


def user_named(work: Work, name: str, organization_id: str | None = None) -> User:
    """The named user; NotFound for none, and for one outside `organization_id` if given."""
    row = work.accounts.user(name)
    outside = organization_id is not None and not within(
        row.organization_id if row is not None else None, organization=organization_id
    )
    if row is None or outside:
        raise NotFound(f'no user named "{name}"')
    return _user(row)


def users_of(work: Work, organization_id: str | None = None) -> list[User]:
    return [_user(row) for row in work.accounts.users(organization_id)]


def remove_user(work: Work, *, name: str, organization_id: str | None = None) -> None:
    """The user, their sessions and links go; what they did stays in the audit trail."""
    work.tenants.remove_principal(user_named(work, name, organization_id).principal_id)


def new_password(
    work: Work, *, name: str, password_hash: str | None, organization_id: str | None = None
) -> User:
    """A new password (or none, until a link sets one); every session of the user ends."""
    user = user_named(work, name, organization_id)
    row = work.tenants.principal_by_id(user.principal_id)
    assert row is not None
    work.tenants.change_principal(user.principal_id, secret_generation=row.secret_generation + 1)
    work.accounts.change_user(user.principal_id, password_hash=password_hash)
    work.accounts.end_sessions(user.principal_id)
    work.accounts.end_links(user.principal_id)
    return user_named(work, name)


def new_link(work: Work, *, name: str, now: datetime, ttl_seconds: int) -> str:
    """A one-time link's token: whoever opens it sets the user's password and is signed in."""
    user = user_named(work, name)
    token = secrets.token_urlsafe(32)
    work.accounts.add_link(
        id=digest(token),
        principal_id=user.principal_id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    return token


def linked_user(work: Work, token: str, now: datetime) -> User:
    row = work.accounts.link(digest(token), now)
    found = None if row is None else work.accounts.user_by_id(row.principal_id)
    if found is None:
        raise NotFound("this sign-in link is not valid: it was used, has expired, or never was")
    return _user(found)


def open_sessions(
    work: Work, principal_id: str, now: datetime, settings: SessionSettings
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
        for row in work.accounts.sessions_of(principal_id, now)
        if live(row, now, settings)
    ]


# what an organization-wide admin calls ------------------------------------------------------


def list_users(work: Work, actor: Actor, *, now: datetime) -> list[Listed]:
    organization = organization_admin(actor)
    counts = work.accounts.session_counts(now)
    return [Listed(user, counts.get(user.principal_id, 0)) for user in users_of(work, organization)]


def create_user(
    work: Work,
    actor: Actor,
    *,
    name: str,
    role: str,
    project_id: str | None,
    password_hash: str | None,
    now: datetime,
    link_seconds: int,
) -> Made:
    """A user of the admin's organization; without a password, with a one-time link."""
    organization = organization_admin(actor)
    try:
        parsed = Role.parse(role)
    except KeyError:
        raise InvalidArgument("role must be viewer, contributor or admin") from None
    user = add_user(
        work,
        name=name,
        role=parsed,
        organization_id=organization,
        project_id=project_id,
        now=now,
        password_hash=password_hash,
    )
    link = None
    if password_hash is None:
        link = new_link(work, name=name, now=now, ttl_seconds=link_seconds)
    return Made(user, link)


def get_user(work: Work, actor: Actor, name: str, *, now: datetime) -> Listed:
    user = user_named(work, name, organization_admin(actor))
    return Listed(user, work.accounts.session_counts(now).get(user.principal_id, 0))


def delete_user(work: Work, actor: Actor, name: str) -> None:
    if name == actor.name:
        raise InvalidArgument("you cannot delete your own user; another admin can")
    remove_user(work, name=name, organization_id=organization_admin(actor))


def reset_password(
    work: Work,
    actor: Actor,
    name: str,
    *,
    password_hash: str | None,
    now: datetime,
    link_seconds: int,
) -> Made:
    """A new password, or none and a one-time link to choose one; the user's sessions end."""
    user = new_password(
        work, name=name, password_hash=password_hash, organization_id=organization_admin(actor)
    )
    link = None
    if password_hash is None:
        link = new_link(work, name=name, now=now, ttl_seconds=link_seconds)
    return Made(user, link)


def user_sessions(
    work: Work, actor: Actor, name: str, *, now: datetime, settings: SessionSettings
) -> list[SessionInfo]:
    user = user_named(work, name, organization_admin(actor))
    return open_sessions(work, user.principal_id, now, settings)


def end_sessions(work: Work, actor: Actor, name: str) -> None:
    """Sign the user out everywhere."""
    user = user_named(work, name, organization_admin(actor))
    work.accounts.end_sessions(user.principal_id)


def audit_events(
    work: Work, actor: Actor, wanted: AuditQuery, *, most: int = MAX_PAGE
) -> tuple[list[AuditEvent], str]:
    """A page of the admin's organization's audit trail, and the next page's token."""
    return audit_page(work, organization_admin(actor), wanted, most=most)
