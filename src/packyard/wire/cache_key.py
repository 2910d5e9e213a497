"""What a cached answer depends on, and the request as a cached route's handler sees it."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from packyard.domain.identity import Actor
from packyard.wire.route import Route

LIST_QUERY = frozenset({"sorting.order_by"})
"""Query parameters a handler reads every value of (sorting.order_by=a&sorting.order_by=b)."""


def cache_key(route: Route, request: Request, actor: Actor) -> tuple[object, ...]:
    """What a cached answer depends on: the route, its path's and named query's values."""
    if request.scope["query_string"]:
        query = request.query_params
        asked = tuple(  # as the handler reads: the last value, or every one (in order) of a list
            tuple(query.getlist(name)) if name in LIST_QUERY else (query.get(name) or None)
            for name in route.cache_query
        )
    else:  # what the same reads find in no query at all, without parsing one
        asked = tuple(() if name in LIST_QUERY else None for name in route.cache_query)
    return (
        route.operation,
        tuple(sorted(request.path_params.items())),
        asked,
        actor.reads_channel(restricted=True),  # restricted channels differ by role
        actor.project_id is None,  # ancestry across projects differs by the key's reach
    )


def answered_query(route: Route, request: Request) -> Request:
    """The request as a cached route's handler sees it: only its cache_query parameters, so
    that no other parameter can change an answer the cache keeps without them."""
    if not request.scope["query_string"]:
        return request
    items = request.query_params.multi_items()
    kept = [(key, value) for key, value in items if key in route.cache_query]
    if len(kept) == len(items):
        return request
    return Request({**request.scope, "query_string": urlencode(kept).encode()}, request.receive)
