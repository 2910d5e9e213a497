"""Jinja2 templates shipped in the package (packyard/web/templates), autoescaped, and what
every page is given."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from packyard.domain.identity import Role
from packyard.web.session import csrf_token, keep_form_cookie
from packyard.wire.routing import Call

_PROJECT_PREFIX = re.compile(r"^(/[^/]+/[^/]+)?/organizations/[^/]+/projects/[^/]+")


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def _resource(path: str) -> str:
    """An audited path without its plane, organization and project (shown on their page)."""
    return _PROJECT_PREFIX.sub("", path) or path


templates = Environment(
    loader=PackageLoader("packyard.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["when"] = _when
templates.filters["resource"] = _resource
templates.filters["q"] = lambda text: quote(str(text), safe="")
templates.globals["Role"] = Role


def page(
    request: Request,
    template: str,
    status: int = 200,
    *,
    form_targets: Sequence[str] = (),
    **context: Any,
) -> HTMLResponse:
    """A rendered page that no cache keeps, with the CSRF token its forms carry; its forms may
    lead to the console itself, to https addresses, and to `form_targets` (origins a form's
    answer redirects to, such as a single sign-on provider's, which may be plain http)."""
    token = csrf_token(request)
    body = templates.get_template(template).render(csrf_token=token, csrf=token, **context)
    response = HTMLResponse(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; frame-ancestors 'none'; form-action "
        + " ".join(["'self'", "https:", *form_targets])
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    keep_form_cookie(request, response)
    return response


def project_base(call: Call) -> str:
    return f"/organizations/{call.scope.organization_id}/projects/{call.scope.project_id}"


def render_page(request: Request, name: str, *, status: int = 200, **values: Any) -> HTMLResponse:
    """A page outside a project (errors)."""
    return page(request, name, status, actor=None, base="", **values)


def render(call: Call, name: str, **values: Any) -> HTMLResponse:
    """A project's page, with the signed-in actor (so actions above its role show disabled)."""
    return page(
        call.request,
        name,
        actor=call.actor,
        base=project_base(call),
        now=call.now,
        done=call.request.query_params.get("done", ""),
        **values,
    )
