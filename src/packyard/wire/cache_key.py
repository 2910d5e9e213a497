"""What a cached answer depends on, and the request as a cached route's handler sees it."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request

from packyard.domain.identity import Actor
from packyard.wire.route import Route

LIST_QUERY = frozenset({"sorting.order_by"})
"""Query parameters a handler reads every value of (sorting.order_by=a&sorting.order_by=b)."""
QUERIES_KEPT = 1024
"""The (operation, query) pairs whose reading is kept; forgotten whole past this many."""
QUERY_KEPT_BYTES = 512
"""The longest query whose reading is kept (a longer one is read each time)."""

_Reading = tuple[tuple[object, ...], bytes | None]
_READINGS: dict[tuple[str, bytes], _Reading] = {}


def _read_query(route: Route, query_string: bytes) -> _Reading:
    """A query as a cached route reads it: the values of its `cache_query` parameters, as
    the handler reads them (the last value, or every one in order of a list), and the query
    with only those parameters when it holds others (None: the query as it is)."""
    query = QueryParams(query_string)
    asked = tuple(
        tuple(query.getlist(name)) if name in LIST_QUERY else (query.get(name) or None)
        for name in route.cache_query
    )
    items = query.multi_items()
    kept = [(key, value) for key, value in items if key in route.cache_query]
    return asked, None if len(kept) == len(items) else urlencode(kept).encode()


def _reading(route: Route, query_string: bytes) -> _Reading:
    key = (route.operation, query_string)
    found = _READINGS.get(key)
    if found is None:
        found = _read_query(route, query_string)
        if len(query_string) <= QUERY_KEPT_BYTES:
            if len(_READINGS) >= QUERIES_KEPT:
                _READINGS.clear()
            _READINGS[key] = found
    return found


def cache_key(route: Route, request: Request, actor: Actor) -> tuple[object, ...]:
    """What a cached answer depends on: the route, its path's and named query's values."""
    return (
        route.operation,
        tuple(request.path_params.items()),  # in the route's order: the same for its paths
        _reading(route, request.scope["query_string"])[0],
        actor.reads_channel(restricted=True),  # restricted channels differ by role
        actor.project_id is None,  # ancestry across projects differs by the key's reach
    )


def answered_query(route: Route, request: Request) -> Request:
    """The request as a cached route's handler sees it: only its cache_query parameters, so
    that no other parameter can change an answer the cache keeps without them."""
    kept = _reading(route, request.scope["query_string"])[1]
    if kept is None:
        return request
    return Request({**request.scope, "query_string": kept}, request.receive)
