"""Workload identity federation: a workload's OIDC token, checked against the provider it
names, exchanged for the access token its service principal would get with its key.

The token must be signed by one of the provider's issuer's keys (found through the issuer's
discovery document, or in a pinned JWKS file) with an asymmetric algorithm, be issued by that
issuer for one of the provider's audiences, be within its validity (give or take a bounded
clock skew), and satisfy the provider's conditional access statement.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt

from packyard.auth.tokens import TokenIssuer
from packyard.config import WorkloadIdentitySettings
from packyard.domain import conditions
from packyard.domain.audit import AuditEvent
from packyard.domain.workload_identity import Provider, ProviderName
from packyard.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from packyard.ids import utcnow
from packyard.outbound import Destinations, JsonDocuments, Refused, Unreadable
from packyard.services.workload_identity import exchange_target, record_exchange
from packyard.store.engine import Store
from packyard.store.work import Work

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
"""Only asymmetric signatures: never `none`, never a shared secret (HS*)."""
MAX_TOKEN_BYTES = 16 * 1024
OPERATION = "ExchangeWorkloadIdentityToken"
REFETCH_SECONDS = 30.0  # an unknown key id fetches the keys again at most this often

Fetch = Callable[[str], dict[str, Any]]


@dataclass
class _Keys:
    keys: jwt.PyJWKSet
    fetched_at: float


class IssuerKeys:
    """Each issuer's signing keys, from its discovery document's jwks_uri or a pinned file,
    kept for keys_ttl_seconds."""

    def __init__(self, settings: WorkloadIdentitySettings, fetch: Fetch | None = None) -> None:
        self.ttl = settings.keys_ttl_seconds
        self.pinned = dict(settings.pinned_jwks)
        if fetch is None:
            documents = JsonDocuments(
                Destinations.for_issuers(settings), max_bytes=256 * 1024, timeout=10.0
            )
            fetch = documents.get
        self._fetch = fetch
        self._cache: dict[str, _Keys] = {}
        self._lock = threading.Lock()

    def _load(self, issuer: str) -> jwt.PyJWKSet:
        pinned = self.pinned.get(issuer)
        try:
            if pinned is not None:
                return jwt.PyJWKSet.from_dict(json.loads(Path(pinned).read_text()))
            discovery = self._fetch(issuer.rstrip("/") + "/.well-known/openid-configuration")
            if discovery.get("issuer") != issuer:
                raise Unauthenticated(
                    f"the issuer's discovery document names another issuer: "
                    f"{discovery.get('issuer')!r}"
                )
            jwks_uri = discovery.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise Unauthenticated("the issuer's discovery document has no jwks_uri")
            return jwt.PyJWKSet.from_dict(self._fetch(jwks_uri))
        except (Refused, Unreadable, OSError, ValueError, jwt.PyJWTError) as exc:
            raise Unauthenticated(f"the issuer's keys cannot be read: {exc}") from None

    def key(self, issuer: str, kid: str | None) -> jwt.PyJWK:
        """The issuer's key by id (the only key, for a token that names none)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(issuer)
            if cached is None or now - cached.fetched_at > self.ttl:
                cached = self._cache[issuer] = _Keys(self._load(issuer), now)
            found = _find(cached.keys, kid)
            if found is None and now - cached.fetched_at > REFETCH_SECONDS:
                cached = self._cache[issuer] = _Keys(self._load(issuer), now)
                found = _find(cached.keys, kid)
        if found is None:
            raise Unauthenticated(f"the issuer has no key {kid!r}")
        return found


def _find(keys: jwt.PyJWKSet, kid: str | None) -> jwt.PyJWK | None:
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((key for key in keys.keys if key.key_id == kid), None)


def unverified_claims(token: str) -> dict[str, Any]:
    """The token's claims, unchecked: for `packyard wip test` and for naming the issuer."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"the token is not a JWT: {exc}") from None
    return dict(claims)


def verify(
    token: str, provider: Provider, keys: IssuerKeys, *, skew_seconds: int
) -> dict[str, Any]:
    """The token's claims once every check has passed; Unauthenticated naming the first
    check that failed, or PermissionDenied when only the condition does not hold."""
    if len(token) > MAX_TOKEN_BYTES:
        raise Unauthenticated("the token is too long")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"the token is not a JWT: {exc}") from None
    algorithm = header.get("alg")
    if algorithm not in ALGORITHMS:
        raise Unauthenticated(f"the token's algorithm {algorithm!r} is not accepted")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise Unauthenticated("the token's key id is not a string")
    issuer = unverified_claims(token).get("iss")
    if issuer != provider.issuer_uri:
        raise Unauthenticated(f"the token's issuer {issuer!r} is not the provider's")
    key = keys.key(provider.issuer_uri, kid)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=[str(algorithm)],
            audience=list(provider.audiences),
            issuer=provider.issuer_uri,
            leeway=skew_seconds,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("the token has expired") from None
    except jwt.ImmatureSignatureError:
        raise Unauthenticated("the token is not valid yet") from None
    except jwt.InvalidAudienceError:
        raise Unauthenticated("the token's audience is not one the provider allows") from None
    except jwt.InvalidSignatureError:
        raise Unauthenticated("the token's signature does not verify") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"the token is not valid: {exc}") from None
    holds, reason = conditions.verdict(provider.conditional_access, claims)
    if not holds:
        raise PermissionDenied(reason)
    return claims


@dataclass(frozen=True)
class Exchanged:
    access_token: str
    expires_in: int
    provider: Provider


Audit = Callable[[Provider, str], AuditEvent]
"""The audit line of an exchange with a provider, by the operation it records."""


def exchange(
    store: Store,
    tokens: TokenIssuer,
    keys: IssuerKeys,
    *,
    resource_name: str,
    token: str,
    skew_seconds: int,
    audit: Audit,
) -> Exchanged:
    """The principal's access token for a workload's token the named provider accepts. A
    refusal is audited too (as ...Refused) once the provider is known, and raised."""
    try:
        name = ProviderName.parse(resource_name)
    except InvalidArgument:
        raise Unauthenticated(f'"{resource_name}" names no workload identity provider') from None
    with store.transaction() as conn:
        try:
            target = exchange_target(Work(conn), name)
        except NotFound as exc:
            raise Unauthenticated(exc.message) from None

    def event(operation: str) -> AuditEvent:
        found = audit(target.provider, operation)
        return replace(found, organization_id=target.organization_id)

    try:
        verify(token, target.provider, keys, skew_seconds=skew_seconds)
    except (Unauthenticated, PermissionDenied):
        with store.transaction(write=True) as conn:
            record_exchange(Work(conn), event(OPERATION + "Refused"))
        raise
    with store.transaction(write=True) as conn:
        record_exchange(Work(conn), event(OPERATION))
    access_token = tokens.issue(
        principal_id=target.provider.principal_id, generation=target.generation, now=utcnow()
    )
    return Exchanged(access_token, tokens.ttl_seconds, target.provider)
