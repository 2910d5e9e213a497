"""The console's session seam: who a request's cookie signs in as, and its CSRF token.

Interim: the session cookie holds a bearer token from the token endpoint, and the CSRF token
is a double-submit cookie. The signatures are the ones the accounts work implements.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from packyard.errors import PermissionDenied, Unauthenticated
from packyard.wire.routing import Services

SESSION_COOKIE = "packyard_session"
CSRF_COOKIE = "packyard_csrf"


def session_principal(request: Request, services: Services) -> tuple[str, int] | None:
    """The (principal_id, generation) the request's session cookie signs in as, or None."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return services.tokens.verify(token)
    except Unauthenticated:
        return None


def csrf_token(request: Request) -> str:
    """The token a template puts in every form (the cookie's, or a new one set on the answer)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not submitted or not hmac.compare_digest(expected, submitted):
        raise PermissionDenied("the form's CSRF token is missing or stale; reload the page")


def finish(request: Request, response: Response) -> Response:
    """Set the CSRF cookie a page handed out."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, secure=True, samesite="lax", path="/")
    return response


def sign_in(response: Response, token: str, *, max_age: int) -> Response:
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, secure=True, samesite="lax", path="/"
    )
    return response


def sign_out(request: Request, services: Services, response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
