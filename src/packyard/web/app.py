"""The console's routes: its static assets, and every page and action (sign-in is
packyard.web.signin's)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route as StarletteRoute

from packyard.domain.identity import Role
from packyard.web.actions import ACTIONS
from packyard.web.admin_pages import ADMIN_PAGES
from packyard.web.block_pages import BLOCK_PAGES
from packyard.web.dispatch import page
from packyard.web.pages import PAGES
from packyard.web.people_pages import PEOPLE_PAGES
from packyard.web.render import render_page
from packyard.web.webhook_pages import WEBHOOK_PAGES
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


def console_routes(services: Services) -> list[StarletteRoute]:
    return [
        StarletteRoute("/static/{name}", static, methods=["GET"], name="console.Static"),
        page(Route("GET", "/", root, Role.VIEWER, "console.Root", scoped=False), services),
        *(
            page(route, services)
            for route in [*PAGES, *ACTIONS, *ADMIN_PAGES, *BLOCK_PAGES, *PEOPLE_PAGES]
        ),
        *(page(route, services) for route in WEBHOOK_PAGES),
    ]
