"""Headers every answer carries, and the one that keeps secrets out of caches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from packyard.wire.http import json_response

HSTS = b"max-age=31536000"  # a year; no subdomains: Packyard knows nothing of its neighbours


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_PLAIN: tuple[tuple[bytes, bytes], ...] = (_NOSNIFF,)
_OVER_TLS: tuple[tuple[bytes, bytes], ...] = (_NOSNIFF, (b"strict-transport-security", HSTS))


def security_headers(scope: Scope) -> tuple[tuple[bytes, bytes], ...]:
    """X-Content-Type-Options: nosniff on every answer, and HSTS on answers sent over TLS."""
    return _OVER_TLS if scope.get("scheme") == "https" else _PLAIN


def with_security_headers(request: Request, response: Response) -> Response:
    """For the answers sent from outside the middleware (an unexpected error's)."""
    for name, value in security_headers(request.scope):
        response.headers[name.decode()] = value.decode()
    return response


Endpoint = Callable[[Request], Awaitable[Response]]


def _not_stored(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def secret_response(payload: object) -> Response:
    """An answer that carries a secret (a key): no cache may keep it."""
    return _not_stored(json_response(payload))


def no_store(endpoint: Endpoint) -> Endpoint:
    """An endpoint whose every answer may carry a secret (a token): no cache may keep them."""

    async def serve(request: Request) -> Response:
        return _not_stored(await endpoint(request))

    return serve
