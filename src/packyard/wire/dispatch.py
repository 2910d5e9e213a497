"""Starlette's router, asking only the routes that could match a request's path.

Starlette tries every route in order, and the registry's hot reads sit behind some ninety
of them. A route's path parameters match one segment each (`[^/]+`), so a route matches
only a path with as many segments, and only one whose last segment equals the route's last
one when that is literal. The router asks those routes, in their order, and falls back to
Starlette's own walk for what none of them answers (a 404, or a trailing-slash redirect):
the answer is the one Starlette's walk gives, found sooner.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send


def _shape(route: BaseRoute) -> tuple[int, str | None] | None:
    """(segment count, last segment if literal) of a route with plain `{name}` parameters;
    None for any other route, which is asked for every path."""
    if not isinstance(route, Route) or ":" in route.path:
        return None
    segments = route.path.split("/")
    last = segments[-1]
    return len(segments), (None if "{" in last else last)


class IndexedRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__(routes=list(routes))
        by_shape: dict[tuple[int, str | None], list[int]] = {}
        always: list[int] = []
        for index, route in enumerate(self.routes):
            shape = _shape(route)
            (always if shape is None else by_shape.setdefault(shape, [])).append(index)

        def asked(*groups: list[int]) -> tuple[BaseRoute, ...]:
            return tuple(self.routes[i] for i in sorted({i for group in groups for i in group}))

        self._always = asked(always)
        self._by_last = {
            (count, last): asked(indexes, by_shape.get((count, None), []), always)
            for (count, last), indexes in by_shape.items()
            if last is not None
        }
        self._by_count = {
            count: asked(indexes, always)
            for (count, last), indexes in by_shape.items()
            if last is None
        }

    def candidates(self, path: str) -> tuple[BaseRoute, ...]:
        """The routes that may match this path, in the router's order."""
        count = path.count("/") + 1
        last = path.rsplit("/", 1)[-1]
        found = self._by_last.get((count, last))
        if found is None:
            found = self._by_count.get(count, self._always)
        return found

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        if "router" not in scope:
            scope["router"] = self
        partial: BaseRoute | None = None
        partial_scope: Scope = {}
        for route in self.candidates(get_route_path(scope)):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:  # another method at this path: 405
            scope["route"] = partial
            scope.update(partial_scope)
            await partial.handle(scope, receive, send)
            return
        await super().app(scope, receive, send)  # not found, or found with a slash
