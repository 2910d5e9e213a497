"""Single sign-on: a sign-in flow started here and finished at the provider's callback, on
whichever replica it reaches (the flow is kept in the store by its state's digest), and the
user it signs in as, named and given a role from the provider's claims at every sign-in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from packyard.auth.users import create_user, digest
from packyard.config import OidcSettings
from packyard.domain.identity import Role
from packyard.errors import PermissionDenied, Unauthenticated
from packyard.store.accounts import Accounts
from packyard.store.engine import Store
from packyard.store.tenants import Tenants

FLOW_SECONDS = 600  # from the sign-in button to the provider's callback


def claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by name; a dotted name reaches into objects (`realm_access.roles`) when the
    whole name is not itself a claim."""
    if name in claims:
        return claims[name]
    found: Any = claims
    for part in name.split("."):
        if not isinstance(found, dict) or part not in found:
            return None
        found = found[part]
    return found


def role_for(claims: dict[str, Any], settings: OidcSettings) -> Role:
    """The highest role the person's role claim values give, else the default role, else
    PermissionDenied saying what the claim held."""
    value = claim(claims, settings.role_claim)
    values = {value} if isinstance(value, str) else {v for v in value or () if isinstance(v, str)}
    granted = [Role.parse(role) for wanted, role in settings.roles if wanted in values]
    if granted:
        return max(granted)
    if settings.default_role:
        return Role.parse(settings.default_role)
    held = ", ".join(sorted(values)) or "nothing"
    raise PermissionDenied(
        f"your account at the provider has no role in Packyard (its {settings.role_claim} "
        f"claim holds {held}); ask an administrator"
    )


def name_for(claims: dict[str, Any], settings: OidcSettings) -> str:
    for name in (settings.name_claim, "preferred_username", "email", "sub"):
        value = claim(claims, name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    raise Unauthenticated("the provider named no subject")


@dataclass(frozen=True)
class Flow:
    state: str
    nonce: str
    verifier: str
    return_to: str


def start_flow(store: Store, *, verifier: str, return_to: str, now: datetime) -> Flow:
    flow = Flow(secrets.token_urlsafe(32), secrets.token_urlsafe(32), verifier, return_to)
    with store.transaction(write=True) as conn:
        Accounts(conn).add_flow(
            id=digest(flow.state),
            code_verifier=verifier,
            nonce=flow.nonce,
            return_to=return_to,
            created_at=now,
            expires_at=now + timedelta(seconds=FLOW_SECONDS),
        )
    return flow


def take_flow(store: Store, state: str, now: datetime) -> Flow:
    """The flow this state began, once; Unauthenticated if it is unknown, used or expired."""
    with store.transaction(write=True) as conn:
        row = Accounts(conn).take_flow(digest(state), now)
    if row is None:
        raise Unauthenticated("this sign-in has expired or was used already; sign in again")
    return Flow(state, row.nonce, row.code_verifier, row.return_to)


def user_for(
    store: Store, claims: dict[str, Any], settings: OidcSettings, now: datetime
) -> tuple[str, int]:
    """The (principal id, generation) of the provider's subject: made at its first sign-in,
    its role set from the claims at every one. A name that a user of a password (or of
    another subject) holds already is refused, never taken over."""
    subject = claims["sub"]
    role = role_for(claims, settings)
    with store.transaction(write=True) as conn:
        accounts, tenants = Accounts(conn), Tenants(conn)
        row = accounts.user_by_subject(settings.issuer, str(subject))
        if row is None:
            name = name_for(claims, settings)
            if tenants.principal_by_name(name) is not None:
                raise PermissionDenied(
                    f'a user or key named "{name}" exists already and is not this provider\'s '
                    "account; ask an administrator"
                )
            organization = tenants.organizations()[0].id
            user = create_user(
                conn,
                name=name,
                role=role,
                organization_id=organization,
                project_id=settings.project_id or None,
                now=now,
                sso=(settings.issuer, str(subject)),
            )
            return user.principal_id, 1
        if row.role != role.label:
            tenants.change_principal(row.id, role=role.label)
        return str(row.id), int(row.secret_generation)
