"""Jinja2 templates shipped in the package (packyard/web/templates), autoescaped."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from packyard.web.session import csrf_token, keep_form_cookie

templates = Environment(
    loader=PackageLoader("packyard.web", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A rendered page that no cache keeps, with the CSRF token its forms carry."""
    body = templates.get_template(template).render(csrf_token=csrf_token(request), **context)
    response = HTMLResponse(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self' https:"
    )
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    keep_form_cookie(request, response)
    return response
