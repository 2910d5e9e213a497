"""The ASGI application: every plane's routes, the error envelope, request ids and logs."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match

from packyard.auth.logins import SecretChecks
from packyard.auth.tokens import TokenIssuer
from packyard.config import Settings
from packyard.orphans import exit_with_parent
from packyard.services.logins import login_throttle
from packyard.services.work import Store, store_for
from packyard.web.account import account_routes
from packyard.web.app import console_routes
from packyard.web.signin import signin_routes
from packyard.web.sso import sso_routes
from packyard.webhook_worker import lifespan
from packyard.wire import extension, iam, resource_manager, webhooks
from packyard.wire.access import RequestLog, write_lines_to
from packyard.wire.cache import ReadCache
from packyard.wire.dispatch import IndexedRouter
from packyard.wire.front import Application
from packyard.wire.headers import with_security_headers
from packyard.wire.http import error_response
from packyard.wire.oauth import token_route
from packyard.wire.ops import ops_routes
from packyard.wire.routing import Route, Services, endpoint
from packyard.wire.run_tasks import run_task_route
from packyard.wire.v2021 import routes as v2021
from packyard.wire.v2023 import enforced_blocks, supply_chain, vulnerabilities
from packyard.wire.v2023 import routes as v2023
from packyard.wire.workload_exchange import exchange_route

API_ROUTES: list[Route] = [
    *v2021.ROUTES,
    *v2023.ROUTES,
    *supply_chain.ROUTES,
    *enforced_blocks.ROUTES,
    *vulnerabilities.ROUTES,
    *resource_manager.ROUTES,
    *iam.ROUTES,
    *webhooks.ROUTES,
    *extension.ROUTES,
]


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allowed = allowed_methods(request)
        response = error_response(
            12, f"{request.method} is not allowed here; use {', '.join(allowed)}", status=405
        )
        response.headers["Allow"] = ", ".join(allowed)
        return response
    if exc.status_code == 404:
        return error_response(5, "no such route")
    return error_response(3, str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    logging.getLogger("packyard").exception("unexpected error", exc_info=exc)
    return with_security_headers(request, error_response(13, "internal error"))


def create_app(settings: Settings, *, store: Store | None = None) -> Starlette:
    store = store or store_for(settings)
    services = Services(
        settings=settings,
        store=store,
        tokens=TokenIssuer.for_store(
            store, ttl_seconds=settings.token_ttl_seconds, data_dir=settings.data_dir
        ),
        cache=ReadCache(
            settings.http.read_cache_bytes, max_answer_bytes=settings.http.read_cache_answer_bytes
        ),
        logins=login_throttle(settings.login),
        secret_checks=SecretChecks(settings.login.concurrent_checks),
    )
    ops = ops_routes(services)
    api = [endpoint(route, services) for route in API_ROUTES]
    routes: list[Any] = [
        token_route(services),
        exchange_route(services),
        run_task_route(services),
        *ops,
        extension.openapi_route(),
        *signin_routes(services),
        *account_routes(services),
        *sso_routes(services),
        *api,
        *console_routes(services),
    ]
    app = Application(exception_handlers={HTTPException: _http_error, Exception: _unexpected})
    app.router = IndexedRouter(routes)
    app.serve_directly([*ops, *api])
    app.router.lifespan_context = _serving(store, lifespan(store, settings.webhook))
    app.state.services = services
    app.add_middleware(RequestLog)
    return app


def _serving(store: Store, webhooks: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A server process's lifespan: it says it serves, and on which event loop; the webhook
    worker runs meanwhile; the store's awaited reads close with the loop."""

    @asynccontextmanager
    async def serving(app: Any) -> AsyncIterator[None]:
        loop = type(asyncio.get_running_loop()).__module__.partition(".")[0]
        logging.getLogger("packyard").info(
            "worker process %d serving on the %s event loop", os.getpid(), loop
        )
        try:
            async with webhooks(app):
                yield
        finally:
            await store.close_awaited()

    return serving


def configure_logging() -> None:
    """One line per record on stderr; request lines are JSON already."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger("packyard")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    # Nothing here formats the caller, thread or process, so records need not look them up
    # (the logging HOWTO's "Optimization" settings).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    write_lines_to(handler)


def app_from_env() -> Starlette:
    """Factory for server worker processes: settings come from PACKYARD_* variables."""
    configure_logging()
    exit_with_parent()
    app = create_app(Settings.from_env())
    # What start-up made (modules, routes, tables, templates: ~140k objects) lives as long as
    # the worker. Frozen, it is left out of the collector's full passes, each of which would
    # otherwise walk it all (~0.1 s on a 2-core machine) in the middle of some request.
    gc.collect()
    gc.freeze()
    return app
