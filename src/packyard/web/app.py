"""The console's routes: sign-in, its static assets, and every page and action."""

from __future__ import annotations

import time
from importlib.resources import files
from typing import Any, cast
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route as StarletteRoute

from packyard.auth.logins import SecretChecks
from packyard.auth.principals import stored_secret
from packyard.domain.identity import Role
from packyard.errors import RegistryError, Unauthenticated
from packyard.ids import utcnow
from packyard.web import session
from packyard.web.actions import ACTIONS
from packyard.web.admin_pages import ADMIN_PAGES
from packyard.web.dispatch import error_page, page, read_form
from packyard.web.pages import PAGES
from packyard.web.render import render_page
from packyard.wire.oauth import login_throttle, source_address, trusted_networks
from packyard.wire.resource_manager import list_projects
from packyard.wire.routing import Call, Route, Services

STATIC = {"console.css": "text/css", "console.js": "text/javascript"}


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        return Response("not found", 404, media_type="text/plain")
    content = files("packyard.web").joinpath("static", name).read_bytes()
    response = Response(content, media_type=STATIC[name])
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def root(call: Call) -> Response:
    """The signed-in principal's first project."""
    found = cast(dict[str, Any], list_projects(call))["projects"]
    if not found:
        return render_page(call.request, "error.html", status=404, message="no project", back="/")
    organization, project = call.actor.organization_id, found[0]["id"]
    return RedirectResponse(f"/organizations/{organization}/projects/{project}", 303)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def sign_in_routes(services: Services) -> list[StarletteRoute]:
    """Interim sign-in with a principal's client id and secret, checked as the token endpoint
    checks them (same throttle), the session cookie holding the token it would issue."""
    throttle = login_throttle(services.settings.login)
    checks = SecretChecks(services.settings.login.concurrent_checks)
    trusted = trusted_networks(services.settings.login.trusted_proxies)

    async def form(request: Request) -> Response:
        target = _safe_next(request.query_params.get("next", "/"))
        return session.finish(request, render_page(request, "sign_in.html", next=target))

    async def submit(request: Request) -> Response:
        fields = await read_form(request)
        target = _safe_next(fields.get("next", "/"))
        client_id, secret = fields.get("client_id"), fields.get("client_secret")

        def refuse(message: str, status: int = 401) -> Response:
            page_ = render_page(request, "sign_in.html", status=status, next=target, error=message)
            return session.finish(request, page_)

        try:
            session.check_csrf(request, fields.get("csrf"))
        except RegistryError:
            return refuse("The form was stale; please sign in again.", 403)
        if not client_id or not secret:
            return refuse("Enter the client id and the client secret.", 400)
        address = source_address(request, trusted)
        wait = throttle.retry_after(client_id, address, time.monotonic())
        if wait:
            return refuse(f"Too many failed sign-ins; try again in {wait} s.", 429)
        try:
            with services.store.transaction() as conn:
                stored = stored_secret(conn, client_id=client_id)
            principal_id, generation = await checks.principal(stored, secret)
        except Unauthenticated:
            throttle.failed(client_id, address, time.monotonic())
            return refuse("The client id or secret is wrong.")
        throttle.succeeded(client_id, address)
        token = services.tokens.issue(
            principal_id=principal_id, generation=generation, now=utcnow()
        )
        response = RedirectResponse(target, 303)
        return session.sign_in(response, token, max_age=services.tokens.ttl_seconds)

    async def sign_out(request: Request) -> Response:
        try:
            fields = await read_form(request)
            session.check_csrf(request, fields.get("csrf"))
        except RegistryError as exc:
            return error_page(request, exc)
        return session.sign_out(request, services, RedirectResponse("/sign-in", 303))

    return [
        StarletteRoute("/sign-in", form, methods=["GET"], name="console.SignInForm"),
        StarletteRoute("/sign-in", submit, methods=["POST"], name="console.SignIn"),
        StarletteRoute("/sign-out", sign_out, methods=["POST"], name="console.SignOut"),
    ]


def console_routes(services: Services) -> list[StarletteRoute]:
    return [
        StarletteRoute("/static/{name}", static, methods=["GET"], name="console.Static"),
        *sign_in_routes(services),
        page(Route("GET", "/", root, Role.VIEWER, "console.Root", scoped=False), services),
        *(page(route, services) for route in [*PAGES, *ACTIONS, *ADMIN_PAGES]),
    ]


def sign_in_link(next_path: str) -> str:
    return "/sign-in?next=" + quote(next_path, safe="")
