"""POST /oauth2/token: client credentials in, a short-lived bearer token out (OAuth shapes)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import time
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from packyard.auth.tokens import AUDIENCE
from packyard.errors import Unauthenticated, Unavailable
from packyard.ids import utcnow
from packyard.wire.headers import no_store
from packyard.wire.http import RETRY_AFTER_SECONDS, BodyTooLarge, json_response, read_limited
from packyard.wire.routing import Services

MAX_FORM_BYTES = 16 * 1024
"""A token request is a short form; anything longer is refused before it is all read."""

log = logging.getLogger("packyard.oauth")


def oauth_error(status: int, error: str, description: str) -> Response:
    response = json_response({"error": error, "error_description": description}, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="packyard"'
    return response


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None


def trusted_networks(
    proxies: tuple[str, ...],
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in proxies]


def source_address(
    request: Request, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> str:
    """The caller's address: the peer's, or behind trusted proxies, the first hop before them.

    Every X-Forwarded-For line counts, in order (a proxy that appends its own line after
    the client's gives two), and the hops are read right to left and only while each hop is
    a trusted proxy, so a client cannot name an address of its choosing.
    """
    address = request.client.host if request.client else ""
    hops = [
        hop.strip()
        for line in request.headers.getlist("x-forwarded-for")
        for hop in line.split(",")
    ]
    while _trusted(address, trusted) and hops:
        hop = hops.pop()
        if not hop:
            break
        address = hop
    return address


def _trusted(address: str, trusted: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def too_many(retry_after: int) -> Response:
    response = oauth_error(
        429, "slow_down", "too many failed logins; try again after the Retry-After seconds"
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def token_route(services: Services) -> Route:
    throttle = services.logins
    checks = services.secret_checks  # one bound per process, shared with sign-in
    trusted = trusted_networks(services.settings.login.trusted_proxies)

    async def token(request: Request) -> Response:
        try:
            body = await read_limited(request, limit=MAX_FORM_BYTES)
        except BodyTooLarge:
            return oauth_error(400, "invalid_request", "the request body is too large")
        try:
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        except UnicodeDecodeError:
            return oauth_error(400, "invalid_request", "the form is not valid UTF-8")
        if form.get("grant_type") != "client_credentials":
            return oauth_error(
                400, "unsupported_grant_type", "only grant_type=client_credentials is supported"
            )
        audience = form.get("audience")
        if audience and audience.rstrip("/") != AUDIENCE:
            return oauth_error(400, "invalid_request", f"unknown audience; use {AUDIENCE}")
        credentials = _basic(request.headers.get("authorization", "")) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if not credentials[0] or not credentials[1]:
            return oauth_error(401, "invalid_client", "client credentials are required")
        client_id, address = credentials[0], source_address(request, trusted)
        wait = throttle.retry_after(client_id, address, time.monotonic())
        if wait:
            return too_many(wait)
        try:
            principal_id, generation = await checks.client(
                services.store, client_id, credentials[1]
            )
        except Unauthenticated:
            throttle.failed(client_id, address, time.monotonic())
            if throttle.retry_after(client_id, address, time.monotonic()):
                log.warning("failed logins over the limit from %s", address)
            return oauth_error(401, "invalid_client", "invalid client credentials")
        except Unavailable:
            response = oauth_error(503, "temporarily_unavailable", "the store is unavailable")
            response.headers["Retry-After"] = RETRY_AFTER_SECONDS
            return response
        throttle.succeeded(client_id, address)
        access_token = services.tokens.issue(
            principal_id=principal_id, generation=generation, now=utcnow()
        )
        return json_response(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": services.tokens.ttl_seconds,
            }
        )

    return Route("/oauth2/token", no_store(token), methods=["POST"], name="Token")
