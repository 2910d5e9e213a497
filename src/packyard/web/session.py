"""The console's session seam: who a request's session cookie signs in as, and CSRF tokens.

The cookie `packyard_session` holds a random token (HttpOnly; Secure; SameSite=Lax); the
store keeps the session by the token's SHA-256 (packyard.auth.sessions), so every replica
honours it and signing out ends it everywhere. A form's CSRF token is an HMAC of the
session's token (or, before sign-in, of a random cookie of its own), so it is tied to the
browser's session and a page from elsewhere cannot know it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from packyard.auth import sessions, signin
from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Actor, Scope
from packyard.errors import PermissionDenied
from packyard.ids import utcnow
from packyard.wire.audit import api_event
from packyard.wire.routing import Services

SESSION_COOKIE = "packyard_session"
FORM_COOKIE = "packyard_form"
"""Before sign-in: a random value the sign-in forms' CSRF tokens are made from."""


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def session_principal(request: Request, services: Services) -> tuple[str, int] | None:
    """The (principal_id, generation) the request's session signs in as, or None."""
    token = session_token(request)
    if token is None or len(token) > 128:
        return None
    return sessions.resolve(services.store, token, utcnow(), services.settings.sessions)


def _basis(request: Request) -> str:
    """What the request's CSRF token is made from: its session, else its form cookie (one
    is made for a request that has neither; `keep_form_cookie` hands it to the browser)."""
    made: str | None = getattr(request.state, "form_cookie", None)
    found = made or session_token(request) or request.cookies.get(FORM_COOKIE)
    if not found:
        found = request.state.form_cookie = secrets.token_urlsafe(32)
    return found


def csrf_token(request: Request) -> str:
    """The token a template puts in every form (a hidden field named `csrf_token`)."""
    mac = hmac.new(_basis(request).encode(), b"packyard csrf", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check_csrf(request: Request, submitted: str | None) -> None:
    """PermissionDenied unless `submitted` is the request's own CSRF token."""
    if not submitted or not hmac.compare_digest(submitted.encode(), csrf_token(request).encode()):
        raise PermissionDenied(
            "this form has expired or was not sent from Packyard's own page; "
            "reload the page and try again"
        )


def events_for(request: Request) -> signin.EventFor:
    """The audit events of this request's sign-in operations, under the actor's name."""

    def event(actor: Actor, operation: str) -> AuditEvent:
        return api_event(request, operation, actor, Scope(actor.organization_id, ""), utcnow())

    return event


def set_cookie(
    response: Response, name: str, value: str, max_age: int | None, *, path: str = "/"
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=True, httponly=True, samesite="lax"
    )


def keep_form_cookie(request: Request, response: Response) -> None:
    """Give the browser the form cookie a page's CSRF token was made from, if it was new."""
    made: str | None = getattr(request.state, "form_cookie", None)
    if made:
        set_cookie(response, FORM_COOKIE, made, None)


def finish(request: Request, response: Response) -> Response:
    """A page's answer with the form cookie its CSRF tokens were made from, if new."""
    keep_form_cookie(request, response)
    return response


def sign_out(request: Request, services: Services, response: Response) -> Response:
    """End the request's session in the store (on every replica) and drop its cookie."""
    token = session_token(request)
    if token is not None:
        signin.sign_out(
            services.store,
            token=token,
            principal=session_principal(request, services),
            everywhere=False,
            event_for=events_for(request),
        )
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
