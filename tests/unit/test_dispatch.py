"""The indexed router finds, for every path, the route Starlette's walk finds (or none)."""

from __future__ import annotations

import re

from starlette.routing import Match, Route

from packyard.wire.dispatch import IndexedRouter
from tests.support.in_process import in_process


def _walk(routes, scope):
    """Starlette's choice: the first full match, else the first partial one."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def test_every_route_and_method_is_dispatched_as_starlette_would(tmp_path):
    with in_process(tmp_path) as served:
        router = served.app.router
    assert isinstance(router, IndexedRouter)
    routes = router.routes
    paths = set()
    for route in routes:
        assert isinstance(route, Route)
        for value in ("x1", "images", "iteration", "channels", "builds"):
            paths.add(re.sub(r"\{[^}]+\}", value, route.path))
    paths |= {"/", "/nope", "/healthz/", "/packer", "/packer/2023-01-01//buckets", "/a/b/c/d/e"}
    asked = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            scope = {"type": "http", "method": method, "path": path, "root_path": ""}
            expected = _walk(routes, scope)
            got = _walk(router.candidates(path), scope)
            assert got is expected, (method, path)
            asked += len(router.candidates(path))
    assert asked < len(paths) * 5 * len(routes) / 4  # far fewer routes asked than walked
