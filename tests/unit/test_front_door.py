"""The front door answers the routes it serves directly as Starlette would, with the
request log around them, and leaves every other request to Starlette."""

from __future__ import annotations

import asyncio
import json

import httpx
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from packyard.wire import front
from packyard.wire.access import RequestLog
from packyard.wire.dispatch import IndexedRouter
from packyard.wire.front import Application


async def _echo(request: Request) -> Response:
    shared = "seen" in request.path_params  # set by an earlier request: its params were ours
    request.path_params["seen"] = "yes"
    return JSONResponse(
        {"name": request.path_params["name"], "q": request.query_params.get("q"), "shared": shared}
    )


async def _broken(_request: Request) -> Response:
    raise RuntimeError("a bug")


async def _console(_request: Request) -> Response:
    return Response("console page", media_type="text/html")


async def _refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"code": 5 if exc.status_code == 404 else 12}, exc.status_code)


def _app() -> Application:
    direct = [
        Route("/things/{name}", _echo, methods=["GET"]),
        Route("/broken", _broken, methods=["GET"]),
    ]
    app = Application(exception_handlers={HTTPException: _refused})
    app.router = IndexedRouter([*direct, Route("/console/{name}", _console, methods=["GET"])])
    app.serve_directly(direct)
    app.add_middleware(RequestLog)
    return app


def _get(app: Application, *paths: str) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return [await client.get(path) for path in paths]

    return asyncio.run(run())


def test_a_direct_route_gets_its_own_path_params_and_query_each_time() -> None:
    first, second, again = _get(_app(), "/things/a?q=1", "/things/b", "/things/a?q=2")
    assert [r.json() for r in (first, second, again)] == [
        {"name": "a", "q": "1", "shared": False},
        {"name": "b", "q": None, "shared": False},
        {"name": "a", "q": "2", "shared": False},
    ]
    for answer in (first, second, again):
        assert answer.headers["x-request-id"]  # the request log is around a direct route
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_bug_in_a_direct_route_is_the_api_s_internal_error_with_the_log_s_headers() -> None:
    (answer,) = _get(_app(), "/broken")
    assert answer.status_code == 500
    assert json.loads(answer.content)["code"] == 13
    assert answer.headers["x-request-id"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_other_routes_unknown_paths_and_other_methods_go_through_starlette() -> None:
    app = _app()
    page, missing = _get(app, "/console/x", "/nothing/here")
    assert page.text == "console page" and page.headers["x-request-id"]
    assert missing.status_code == 404 and missing.json()["code"] == 5

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post("/things/a")

    refused = asyncio.run(post())
    assert refused.status_code == 405 and refused.json()["code"] == 12


def test_the_memo_of_matches_stays_bounded() -> None:
    app = _app()
    many = [f"/things/n{k}" for k in range(front.MEMO + 50)]
    answers = _get(app, *many, "/things/" + "x" * (front.MEMO_PATH + 1))
    assert all(answer.status_code == 200 for answer in answers)
    assert len(app._matched) <= front.MEMO
    assert all(len(path) <= front.MEMO_PATH for _, path in app._matched)
