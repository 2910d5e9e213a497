"""GET /account: who the session signs in as, their open sessions, and the sign-out forms."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from packyard.auth.accounts import account_of
from packyard.errors import Unauthenticated
from packyard.ids import utcnow
from packyard.web.render import page
from packyard.web.session import session_principal
from packyard.wire.routing import Services


def account_routes(services: Services) -> list[Route]:
    async def account(request: Request) -> Response:
        principal = session_principal(request, services)
        try:
            if principal is None:
                raise Unauthenticated("not signed in")
            found = account_of(services.store, principal, utcnow(), services.settings.sessions)
        except Unauthenticated:
            return RedirectResponse("/signin?next=/account", 303)
        return page(
            request, "account.html", title="Your account", user=found.user, sessions=found.sessions
        )

    return [Route("/account", account, methods=["GET"], name="AccountPage")]
