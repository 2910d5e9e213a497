"""The console's page dispatcher: the API's routes-as-data, answered with HTML.

A page is a wire Route. The request's session cookie names the principal; the caller is
resolved, authorised, audited (for a POST) and its transaction run exactly as for the API
(wire.routing.serve_in_transaction). Every POST carries the CSRF token of the session.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route as StarletteRoute

from packyard.errors import InvalidArgument, RegistryError, Unauthenticated
from packyard.web.render import render_page
from packyard.web.session import check_csrf, session_principal
from packyard.wire.http import HTTP_STATUS, BodyTooLarge, read_limited
from packyard.wire.request_series import REQUEST_SERIES
from packyard.wire.routing import Route, Services, serve_in_transaction

MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True)
class Form:
    """A submitted form: each field's values, in order."""

    fields: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[-1].strip() if values else default

    def has(self, name: str) -> bool:
        return bool(self.get(name))


async def read_form(request: Request) -> Form:
    try:
        raw = await read_limited(request, limit=MAX_FORM_BYTES)
        return Form(parse_qs(raw.decode(), keep_blank_values=True))
    except BodyTooLarge:
        raise InvalidArgument("the form is too large") from None
    except UnicodeDecodeError:
        raise InvalidArgument("the form is not valid UTF-8") from None


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/signin?next=" + quote(target, safe=""), 303)


def error_page(request: Request, exc: RegistryError) -> Response:
    return render_page(
        request,
        "error.html",
        status=HTTP_STATUS.get(exc.code, 500),
        message=exc.message,
        back=request.headers.get("referer", "/"),
    )


def page(route: Route, services: Services) -> StarletteRoute:
    """A page, counted and timed in the API's request series by its operation name."""

    async def serve(request: Request) -> Response:
        started = time.perf_counter()
        response = await _serve(request)
        elapsed = time.perf_counter() - started
        REQUEST_SERIES.of(route.operation).observe(response.status_code, elapsed)
        return response

    async def _serve(request: Request) -> Response:
        signed_in = session_principal(request, services)
        if signed_in is None:
            return sign_in_redirect(request)
        principal_id, generation = signed_in
        params = {key: str(value) for key, value in request.path_params.items()}
        try:
            body: Form | None = None
            if route.method == "POST":
                body = await read_form(request)
                check_csrf(request, body.get("csrf_token"))
            response = serve_in_transaction(
                route,
                services,
                request,
                principal_id=principal_id,
                generation=generation,
                params=params,
                body=body,
            )
        except Unauthenticated:
            return sign_in_redirect(request)
        except RegistryError as exc:
            response = error_page(request, exc)
        response.headers["Cache-Control"] = "no-store"
        return response

    return StarletteRoute(route.path, serve, methods=[route.method], name=route.operation)
