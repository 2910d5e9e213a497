"""The application's front door: the API's and the operations' routes answered directly.

Starlette wraps every request in five layers before a route's function runs (its error
middleware, its exception middleware, the router, the route's `handle` and
`request_response`, each with its own exception wrapper), and the trivial route and the hot
reads pay for all of them. The routes named in `direct` are plain `async (request) ->
Response` functions that answer every error they expect themselves, in the API's error
shape: the front door finds such a route with the same index the router uses and calls its
function with only the request log around it. Everything else (the console, sign-in, a 404,
a 405, a trailing-slash redirect) goes through Starlette as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from packyard.wire.access import RequestLog
from packyard.wire.dispatch import IndexedRouter
from packyard.wire.http import error_response

log = logging.getLogger("packyard")

MEMO = 4096
"""The (method, path) pairs whose match the front door keeps."""
MEMO_PATH = 512
"""The longest path whose match is kept (the memo stays within MEMO * MEMO_PATH bytes)."""
_UNSEEN: Any = object()


class Application(Starlette):
    """Starlette's application, with some routes served without its per-request layers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._direct: frozenset[int] = frozenset()  # the ids of the routes (Route is unhashable)
        self._logged = RequestLog(self._answer)
        # What each (method, path) matched last: (route, what it puts into the scope), or
        # None for a request Starlette answers. Forgotten whole when it grows past MEMO.
        self._matched: dict[tuple[str, str], tuple[BaseRoute, Scope] | None] = {}

    def serve_directly(self, routes: Iterable[BaseRoute]) -> None:
        """Answer these routes (each a Route of a plain async function) at the front door."""
        found = list(routes)
        assert all(isinstance(route, Route) for route in found)
        assert isinstance(self.router, IndexedRouter), "the front door asks the router's index"
        self._direct = frozenset(id(route) for route in found)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._direct:
            route = self._direct_route(scope)
            if route is not None:
                scope["app"] = self
                await self._logged(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    def _direct_route(self, scope: Scope) -> BaseRoute | None:
        """The route the router would give this request, if it is one served directly (its
        path parameters and endpoint put into the scope, as the router puts them)."""
        key = (scope["method"], get_route_path(scope))
        found: tuple[BaseRoute, Scope] | None = self._matched.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self._match(scope, key[1])
            if len(key[1]) <= MEMO_PATH:  # a long path is matched each time, not kept
                if len(self._matched) >= MEMO:
                    self._matched.clear()
                self._matched[key] = found
        if found is None:
            return None
        route, child_scope = found
        scope["router"] = self.router
        scope["route"] = route
        scope.update(child_scope)
        scope["path_params"] = dict(child_scope["path_params"])  # each request its own
        return route

    def _match(self, scope: Scope, path: str) -> tuple[BaseRoute, Scope] | None:
        assert isinstance(self.router, IndexedRouter)
        for route in self.router.candidates(path):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return (route, child_scope) if id(route) in self._direct else None
        return None  # none, or another method here (405): Starlette's answer

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = scope["route"]
        assert isinstance(route, Route)
        try:
            response = await route.endpoint(Request(scope, receive))
        except Exception as exc:  # a bug: the API's internal error, and the log says what
            log.exception("unexpected error", exc_info=exc)
            response = error_response(13, "internal error")
        await response(scope, receive, send)
