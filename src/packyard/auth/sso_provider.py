"""The OpenID provider as a single sign-on client sees it: discovery, the authorization
request (code flow with PKCE S256), the code exchange, the ID token's checks and userinfo.

The provider is the operator's (PACKYARD_OIDC_ISSUER), reached over https, or plain http on
a loopback address only (a provider on the same machine). Calls block: run them in worker
threads.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpcore
import jwt

from packyard.config import OidcSettings
from packyard.errors import Unauthenticated, Unavailable

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
MAX_DOCUMENT_BYTES = 512 * 1024
TIMEOUT_SECONDS = 10.0
DISCOVERY_TTL_SECONDS = 300.0
CLOCK_SKEW_SECONDS = 60


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """An https URL, or an http one to loopback; Unavailable for anything else."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname or "")):
        return url
    raise Unavailable(f"the OpenID provider's URL {url!r} is not https")


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


class OpenIdProvider:
    """One provider's documents (kept DISCOVERY_TTL_SECONDS) and the calls a sign-in makes."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        context = ssl.create_default_context(cafile=settings.ca_file or None)
        self._pool = httpcore.ConnectionPool(ssl_context=context, max_connections=4)
        self._lock = threading.Lock()
        self._discovery: tuple[float, Discovery] | None = None
        self._keys: tuple[float, jwt.PyJWKSet] | None = None

    def _call(
        self, method: str, url: str, *, headers: list[tuple[bytes, bytes]], body: bytes = b""
    ) -> dict[str, Any]:
        limits = {"connect": TIMEOUT_SECONDS, "read": TIMEOUT_SECONDS, "pool": TIMEOUT_SECONDS}
        try:
            with self._pool.stream(
                method,
                check_url(url),
                headers=[(b"Accept", b"application/json"), *headers],
                content=body,
                extensions={"timeout": limits},
            ) as answer:
                received = bytearray()
                for chunk in answer.iter_stream():
                    received += chunk
                    if len(received) > MAX_DOCUMENT_BYTES:
                        raise Unavailable(f"the OpenID provider's answer at {url} is too large")
                status = answer.status
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise Unavailable(f"the OpenID provider cannot be reached at {url}: {exc}") from None
        try:
            document = json.loads(bytes(received))
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise Unavailable(f"the OpenID provider's answer at {url} is not a JSON object")
        if status != 200:
            reason = document.get("error_description") or document.get("error") or status
            raise Unauthenticated(f"the OpenID provider refused: {reason}")
        return document

    def discovery(self) -> Discovery:
        with self._lock:
            if self._discovery and time.monotonic() - self._discovery[0] < DISCOVERY_TTL_SECONDS:
                return self._discovery[1]
        url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
        found = self._call("GET", url, headers=[])
        if found.get("issuer") != self.settings.issuer:
            raise Unavailable(
                f"the provider's discovery document names the issuer {found.get('issuer')!r}, "
                f"not {self.settings.issuer!r}"
            )
        try:
            discovery = Discovery(
                issuer=found["issuer"],
                authorization_endpoint=check_url(str(found["authorization_endpoint"])),
                token_endpoint=check_url(str(found["token_endpoint"])),
                jwks_uri=check_url(str(found["jwks_uri"])),
                userinfo_endpoint=found.get("userinfo_endpoint") or None,
            )
        except KeyError as exc:
            raise Unavailable(f"the provider's discovery document has no {exc}") from None
        methods = found.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise Unavailable("the OpenID provider does not offer PKCE with S256")
        with self._lock:
            self._discovery = (time.monotonic(), discovery)
        return discovery

    def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, challenge: str
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.settings.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        endpoint = self.discovery().authorization_endpoint
        return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)

    def _key(self, kid: str | None, *, fresh: bool = False) -> jwt.PyJWK | None:
        with self._lock:
            cached = self._keys
        if fresh or cached is None or time.monotonic() - cached[0] > DISCOVERY_TTL_SECONDS:
            keys = jwt.PyJWKSet.from_dict(self._call("GET", self.discovery().jwks_uri, headers=[]))
            cached = (time.monotonic(), keys)
            with self._lock:
                self._keys = cached
        if kid is None:
            return cached[1].keys[0] if len(cached[1].keys) == 1 else None
        return next((key for key in cached[1].keys if key.key_id == kid), None)

    def redeem(self, *, code: str, verifier: str, redirect_uri: str, nonce: str) -> dict[str, Any]:
        """The person's claims for an authorization code: the ID token's, checked, with the
        userinfo endpoint's beside them (for the same subject)."""
        form = urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": self.settings.client_id,
            }
        ).encode()
        basic = base64.b64encode(
            f"{self.settings.client_id}:{self.settings.client_secret}".encode()
        )
        headers = [(b"Content-Type", b"application/x-www-form-urlencoded")]
        if self.settings.client_secret:
            headers.append((b"Authorization", b"Basic " + basic))
        tokens = self._call("POST", self.discovery().token_endpoint, headers=headers, body=form)
        id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
        if not isinstance(id_token, str):
            raise Unauthenticated("the OpenID provider answered no ID token")
        claims = self.verify(id_token, nonce)
        userinfo = self.discovery().userinfo_endpoint
        if userinfo and isinstance(access_token, str):
            bearer = [(b"Authorization", f"Bearer {access_token}".encode())]
            more = self._call("GET", userinfo, headers=bearer)
            if more.get("sub") == claims["sub"]:
                claims = {**more, **claims}
        return claims

    def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise Unauthenticated("the ID token is not a JWT") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise Unauthenticated(f"the ID token's algorithm {algorithm!r} is not accepted")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated("the ID token's key id is not a string")
        key = self._key(kid) or self._key(kid, fresh=True)
        if key is None:
            raise Unauthenticated(f"the OpenID provider has no key {kid!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=[str(algorithm)],
                audience=self.settings.client_id,
                issuer=self.settings.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the ID token is not valid: {exc}") from None
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise Unauthenticated("the ID token's nonce is not this sign-in's")
        return claims
