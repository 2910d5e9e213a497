"""GET/POST /signin, POST /signout and the one-time link: thin pages over auth.signin.

Sign-in counts its failures in the token endpoint's own throttle (services.logins: per user
name and source address, and per address across every door) and checks passwords off the
loop. Every refusal is a page that says what to do, and writes nothing.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from packyard.auth import signin, users
from packyard.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from packyard.ids import utcnow
from packyard.web.render import page
from packyard.web.session import (
    FORM_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    events_for,
    session_principal,
    session_token,
    set_cookie,
)
from packyard.wire.http import BodyTooLarge, read_limited
from packyard.wire.oauth import source_address, trusted_networks
from packyard.wire.routing import Services

MAX_FORM_BYTES = 16 * 1024


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this server only (never //host or a URL)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


async def read_form(request: Request) -> dict[str, str]:
    try:
        body = await read_limited(request, limit=MAX_FORM_BYTES)
        return {key: values[0] for key, values in parse_qs(body.decode()).items()}
    except (BodyTooLarge, UnicodeDecodeError):
        raise InvalidArgument("the form is too large or not valid UTF-8") from None


def signed_in(response: Response, token: str, services: Services) -> Response:
    set_cookie(response, SESSION_COOKIE, token, services.settings.sessions.max_seconds)
    response.delete_cookie(FORM_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response


def refused(request: Request, exc: Exception, status: int) -> Response:
    title = "Not allowed" if status == 403 else "Cannot do that"
    return page(request, "message.html", status, title=title, message=str(exc))


def signin_routes(services: Services) -> list[Route]:
    throttle = services.logins
    checks = services.secret_checks  # one bound per process, shared with the token endpoint
    trusted = trusted_networks(services.settings.login.trusted_proxies)
    settings = services.settings.sessions
    sso_label = services.settings.oidc.label if services.settings.oidc.issuer else ""
    # The SSO button's form is answered with a redirect to the provider, which the page's
    # form-action must allow (an https provider is allowed already; one on http is named).
    provider = urlsplit(services.settings.oidc.issuer)
    sso_origin = (f"{provider.scheme}://{provider.netloc}",) if provider.netloc else ()

    def form_page(request: Request, status: int = 200, **context: str) -> Response:
        context.setdefault("name", "")
        context.setdefault("next", safe_next(request.query_params.get("next")))
        return page(
            request,
            "signin.html",
            status,
            form_targets=sso_origin,
            title="Sign in",
            sso=sso_label,
            **context,
        )

    async def show(request: Request) -> Response:
        if session_principal(request, services) is not None:
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        return form_page(request)

    async def submit(request: Request) -> Response:
        try:
            form = await read_form(request)
            check_csrf(request, form.get("csrf_token"))
        except InvalidArgument as exc:
            return refused(request, exc, 400)
        except PermissionDenied as exc:
            return form_page(request, 403, error=exc.message)
        name, password = form.get("name", "").strip(), form.get("password", "")
        back = safe_next(form.get("next"))
        if not name or not password:
            return form_page(
                request, 400, error="Enter your user name and password.", name=name, next=back
            )
        address = source_address(request, trusted)
        wait = throttle.retry_after(name, address, time.monotonic())
        if wait:
            response = form_page(
                request,
                429,
                error=f"Too many failed sign-ins; try again in {wait} seconds.",
                name=name,
                next=back,
            )
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            principal_id, generation = await checks.user(services.store, name, password)
        except Unauthenticated:
            throttle.failed(name, address, time.monotonic())
            return form_page(
                request, 401, error="The user name or password is not right.", name=name, next=back
            )
        throttle.succeeded(name, address)
        token = signin.sign_in(
            services.store,
            principal_id=principal_id,
            generation=generation,
            now=utcnow(),
            settings=settings,
            source=address,
            user_agent=request.headers.get("user-agent", ""),
            event_for=events_for(request),
        )
        return signed_in(RedirectResponse(back, 303), token, services)

    async def sign_out(request: Request) -> Response:
        try:
            form = await read_form(request)
            check_csrf(request, form.get("csrf_token"))
        except InvalidArgument as exc:
            return refused(request, exc, 400)
        except PermissionDenied as exc:
            return refused(request, exc, 403)
        token = session_token(request)
        if token is not None:
            signin.sign_out(
                services.store,
                token=token,
                principal=session_principal(request, services),
                everywhere=form.get("everywhere") in ("1", "on", "true"),
                event_for=events_for(request),
            )
        response = RedirectResponse("/signin", 303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
        return response

    def link_page(request: Request, user: str, status: int = 200, error: str = "") -> Response:
        return page(
            request,
            "set_password.html",
            status,
            title="Choose a password",
            user=user,
            error=error,
            action=request.url.path,
            min_length=users.MIN_PASSWORD,
        )

    async def show_link(request: Request) -> Response:
        try:
            with services.store.transaction() as conn:
                user = users.link_user(conn, request.path_params["token"], utcnow())
        except NotFound as exc:
            return refused(request, exc, 404)
        return link_page(request, user.name)

    async def use_link(request: Request) -> Response:
        token = request.path_params["token"]
        try:
            form = await read_form(request)
            with services.store.transaction() as conn:
                user = users.link_user(conn, token, utcnow())
        except InvalidArgument as exc:
            return refused(request, exc, 400)
        except NotFound as exc:
            return refused(request, exc, 404)
        try:
            check_csrf(request, form.get("csrf_token"))
            password = form.get("password", "")
            if password != form.get("confirm", ""):
                raise InvalidArgument("the two passwords differ")
            password_hash = await checks.hashed(password)
        except PermissionDenied as exc:
            return link_page(request, user.name, 403, exc.message)
        except InvalidArgument as exc:
            return link_page(request, user.name, 400, exc.message.capitalize() + ".")
        try:
            session = signin.set_password_by_link(
                services.store,
                link_token=token,
                password_hash=password_hash,
                now=utcnow(),
                settings=settings,
                source=source_address(request, trusted),
                user_agent=request.headers.get("user-agent", ""),
                event_for=events_for(request),
            )
        except NotFound as exc:  # used in the meantime
            return refused(request, exc, 404)
        return signed_in(RedirectResponse("/", 303), session, services)

    return [
        Route("/signin", show, methods=["GET"], name="SignInPage"),
        Route("/signin", submit, methods=["POST"], name="SignIn"),
        Route("/signout", sign_out, methods=["POST"], name="SignOut"),
        Route("/signin/link/{token}", show_link, methods=["GET"], name="SignInLinkPage"),
        Route("/signin/link/{token}", use_link, methods=["POST"], name="SignInLink"),
    ]
