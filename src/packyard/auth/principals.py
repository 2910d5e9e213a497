"""Service principals' credentials: their keys (made here, checked here, the secret kept
only as its argon2 hash) and the caller a token names. What a principal is, and where it
acts, is the tenancy service's (packyard.services.tenants)."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, RowMapping

from packyard.domain.identity import Actor, Role, within
from packyard.errors import NotFound, Unauthenticated
from packyard.services import logins, tenants
from packyard.services.logins import StoredSecret as StoredSecret
from packyard.services.tenants import Bootstrap as Bootstrap
from packyard.services.tenants import Credentials as Credentials
from packyard.services.tenants import PrincipalKey
from packyard.store.engine import Store
from packyard.store.tenants import CALLER
from packyard.store.work import Work

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """What an unknown client id is checked against (so it costs what a known one does),
    hashed at its first use rather than at import."""
    return _hasher.hash("not-a-secret")


def new_key() -> PrincipalKey:
    """A new client id and secret, and the argon2 hash the store keeps of the secret."""
    secret = secrets.token_urlsafe(48)
    return PrincipalKey(secrets.token_hex(16), secret, _hasher.hash(secret))


def create_principal(
    conn: Connection,
    *,
    name: str,
    role: Role,
    organization_id: str,
    project_id: str | None,
    now: datetime,
) -> Credentials:
    """A new principal with a new key, in the caller's transaction."""
    return tenants.create_principal(
        Work(conn),
        name=name,
        role=role,
        organization_id=organization_id,
        project_id=project_id,
        key=new_key(),
        now=now,
    )


def stored_secret(work: Work, *, client_id: str) -> StoredSecret:
    """What a token request's secret is checked against; an unknown client id gets a
    dummy hash, checked all the same, so timing tells nothing."""
    return logins.credentials_of(work, client_id) or StoredSecret(None, 0, _dummy_hash())


def secret_matches(secret_hash: str, client_secret: str) -> bool:
    """The argon2 check: slow on purpose, so callers run it off the event loop."""
    try:
        return bool(_hasher.verify(secret_hash, client_secret))
    except (VerificationError, InvalidHashError):
        return False


def authenticated(stored: StoredSecret, matches: bool) -> tuple[str, int]:
    """The principal id and its secret generation, for a secret that matched a known id."""
    if not matches or stored.principal_id is None:
        raise Unauthenticated("invalid client credentials")
    return stored.principal_id, stored.generation


def caller_from(
    row: Mapping[str, Any] | RowMapping | None, *, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    """The token's principal, and the addressed project's registry content stamp if active.

    A project the path names (`project_id`) must be one of the principal's organization: one
    that does not exist and one of another organization answer alike, as not found."""
    if row is None or row["secret_generation"] != generation:
        raise Unauthenticated("the token's principal no longer exists or was rotated")
    if project_id and not within(
        row["project_organization_id"], organization=row["organization_id"]
    ):
        raise NotFound("project not found")
    actor = Actor(
        row["id"],
        row["name"],
        Role.parse(row["role"]),
        row["organization_id"],
        row["project_id"],
        bucket_roles=bool(row["bucket_roles"]),
    )
    stamp = (row["registry_id"], row["content_version"]) if row["activated"] else None
    return actor, stamp


def actor_in(
    work: Work, *, principal_id: str, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    """The token's principal as caller_from makes it, read in the request's transaction."""
    row = work.caller(principal_id, project_id)
    return caller_from(
        None if row is None else row._mapping, generation=generation, project_id=project_id
    )


def quick_caller(
    store: Store, *, principal_id: str, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    """The token's principal as caller_from makes it, in one raw read outside any
    transaction (reused on SQLite until the database changes): the hot path of a cached
    read."""
    row = store.read_one(
        CALLER, {"principal_id": principal_id, "project_id": project_id}, reuse=True
    )
    return _made_from(row, principal_id=principal_id, generation=generation, project_id=project_id)


async def awaited_caller(
    store: Store, *, principal_id: str, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    """`quick_caller`, its read awaited on the event loop (see `Store.read_one_awaited`)."""
    row = await store.read_one_awaited(
        CALLER, {"principal_id": principal_id, "project_id": project_id}, reuse=True
    )
    return _made_from(row, principal_id=principal_id, generation=generation, project_id=project_id)


def _made_from(
    row: dict[str, Any] | None, *, principal_id: str, generation: int, project_id: str
) -> tuple[Actor, tuple[str, int] | None]:
    """The caller made from the hot read's row, made once for the very row object the
    store hands out again (SQLite's reused row, or a PostgreSQL read shared by requests)."""
    key = (principal_id, generation, project_id)
    made = _MADE.get(key)
    if made is not None and made[0] is row:
        return made[1]
    caller = caller_from(row, generation=generation, project_id=project_id)
    if len(_MADE) >= MADE_KEPT:
        _MADE.clear()
    _MADE[key] = (row, caller)
    return caller


MADE_KEPT = 1024
"""Callers kept by the hot read with the row each was made from (the store's reused row
object; a row read afresh, even with the same values, makes its caller again)."""
_MADE: dict[tuple[str, int, str], tuple[object, tuple[Actor, tuple[str, int] | None]]] = {}


def actor_for(
    conn: Connection, *, principal_id: str, generation: int, project_id: str = ""
) -> tuple[Actor, tuple[str, int] | None]:
    return actor_in(
        Work(conn), principal_id=principal_id, generation=generation, project_id=project_id
    )


def bootstrap(conn: Connection, *, now: datetime, admin_name: str = "admin") -> Bootstrap | None:
    """On a store with no organization: one organization, one project, a registry, and an
    admin with a new key."""
    return tenants.bootstrap(Work(conn), now=now, admin_key=new_key(), admin_name=admin_name)
