"""POST /signin/sso and GET /signin/sso/callback: single sign-on with the OpenID provider
(authorization code with PKCE). The flow is bound to the browser that began it by a cookie
holding its state, and kept in the store, so the callback may reach any replica."""

from __future__ import annotations

import hmac

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from packyard.auth import signin, sso
from packyard.auth.sso_provider import OpenIdProvider, pkce_pair
from packyard.errors import InvalidArgument, PermissionDenied, Unauthenticated, Unavailable
from packyard.ids import utcnow
from packyard.web.render import page
from packyard.web.session import check_csrf, events_for, set_cookie
from packyard.web.signin import read_form, safe_next, signed_in
from packyard.wire.oauth import source_address, trusted_networks
from packyard.wire.routing import Services

FLOW_COOKIE = "packyard_sso"
CALLBACK = "/signin/sso/callback"


def sso_routes(services: Services) -> list[Route]:
    settings = services.settings.oidc
    if not settings.issuer:
        return []
    provider = OpenIdProvider(settings)
    trusted = trusted_networks(services.settings.login.trusted_proxies)
    redirect_uri = services.settings.base_url + CALLBACK

    def refused(request: Request, status: int, message: str) -> Response:
        response = page(
            request, "message.html", status, title="Single sign-on failed", message=message
        )
        response.delete_cookie(FLOW_COOKIE, path="/signin/sso", secure=True, httponly=True)
        return response

    async def begin(request: Request) -> Response:
        try:
            form = await read_form(request)
            check_csrf(request, form.get("csrf_token"))
        except (InvalidArgument, PermissionDenied) as exc:
            return refused(request, 403 if isinstance(exc, PermissionDenied) else 400, str(exc))
        verifier, challenge = pkce_pair()
        flow = sso.start_flow(
            services.store, verifier=verifier, return_to=safe_next(form.get("next")), now=utcnow()
        )
        try:
            url = await anyio.to_thread.run_sync(
                lambda: provider.authorization_url(
                    redirect_uri=redirect_uri,
                    state=flow.state,
                    nonce=flow.nonce,
                    challenge=challenge,
                )
            )
        except (Unavailable, Unauthenticated) as exc:
            return refused(request, 503, exc.message)
        response = RedirectResponse(url, 303)
        set_cookie(response, FLOW_COOKIE, flow.state, sso.FLOW_SECONDS, path="/signin/sso")
        return response

    async def callback(request: Request) -> Response:
        query = request.query_params
        if query.get("error"):
            detail = query.get("error_description") or query["error"]
            return refused(request, 401, f"The provider did not sign you in: {detail[:200]}")
        state, code = query.get("state", ""), query.get("code", "")
        browser = request.cookies.get(FLOW_COOKIE, "")
        if not state or not code:
            return refused(request, 400, "The provider's answer has no code or state.")
        if not browser or not hmac.compare_digest(browser.encode(), state.encode()):
            return refused(
                request, 403, "This sign-in was not started in this browser; sign in again."
            )
        now = utcnow()
        try:
            flow = sso.take_flow(services.store, state, now)
            claims = await anyio.to_thread.run_sync(
                lambda: provider.redeem(
                    code=code, verifier=flow.verifier, redirect_uri=redirect_uri, nonce=flow.nonce
                )
            )
            principal_id, generation = sso.user_for(services.store, claims, settings, now)
        except Unauthenticated as exc:
            return refused(request, 401, exc.message)
        except PermissionDenied as exc:
            return refused(request, 403, exc.message)
        except Unavailable as exc:
            return refused(request, 503, exc.message)
        token = signin.sign_in(
            services.store,
            principal_id=principal_id,
            generation=generation,
            now=now,
            settings=services.settings.sessions,
            source=source_address(request, trusted),
            user_agent=request.headers.get("user-agent", ""),
            event_for=events_for(request),
            operation="SignInWithProvider",
        )
        response = signed_in(RedirectResponse(flow.return_to, 303), token, services)
        response.delete_cookie(FLOW_COOKIE, path="/signin/sso", secure=True, httponly=True)
        return response

    return [
        Route("/signin/sso", begin, methods=["POST"], name="SignInWithProviderStart"),
        Route(CALLBACK, callback, methods=["GET"], name="SignInWithProvider"),
    ]
