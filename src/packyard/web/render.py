"""Templates: Jinja2, autoescaped, loaded from the package; what every page is given."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from packyard.domain.identity import Role
from packyard.web.session import csrf_token
from packyard.wire.routing import Call


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


_PROJECT_PREFIX = re.compile(r"^(/[^/]+/[^/]+)?/organizations/[^/]+/projects/[^/]+")


def _resource(path: str) -> str:
    """An audited path without its plane, organization and project (shown on their page)."""
    return _PROJECT_PREFIX.sub("", path) or path


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("packyard.web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["resource"] = _resource
    env.filters["q"] = lambda text: quote(str(text), safe="")
    env.globals["Role"] = Role
    return env


def project_base(call: Call) -> str:
    return f"/organizations/{call.scope.organization_id}/projects/{call.scope.project_id}"


def render_page(request: Request, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """A page outside a project (sign-in, errors)."""
    html = (
        environment()
        .get_template(name)
        .render(request=request, csrf=csrf_token(request), actor=None, base="", **values)
    )
    return HTMLResponse(html, status)


def render(call: Call, name: str, **values: Any) -> HTMLResponse:
    """A project's page, with the signed-in actor (so actions above its role show disabled)."""
    html = (
        environment()
        .get_template(name)
        .render(
            request=call.request,
            csrf=csrf_token(call.request),
            actor=call.actor,
            base=project_base(call),
            now=call.now,
            done=call.request.query_params.get("done", ""),
            **values,
        )
    )
    return HTMLResponse(html)
