"""A cached answer's key reads a request without a query as it reads one whose query names
none of the route's parameters, and tells the asked values apart."""

from __future__ import annotations

from starlette.requests import Request

from packyard.domain.identity import Actor, Role
from packyard.wire.cache_key import cache_key
from packyard.wire.v2023.routes import ROUTES

ACTOR = Actor("p", "viewer", Role.VIEWER, "org", "project")


def _request(query: bytes) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/x",
            "query_string": query,
            "headers": [],
            "path_params": {"bucket_name": "b"},
        }
    )


def test_no_query_is_read_as_a_query_naming_none_of_the_routes_parameters() -> None:
    paged = [route for route in ROUTES if "sorting.order_by" in route.cache_query]
    assert paged
    for route in paged:
        bare = cache_key(route, _request(b""), ACTOR)
        assert bare == cache_key(route, _request(b"unrelated=1"), ACTOR)
        ordered = cache_key(route, _request(b"sorting.order_by=name&sorting.order_by=id"), ACTOR)
        assert ordered != bare
        names = route.cache_query
        asked = ordered[2]
        assert isinstance(asked, tuple)
        assert asked[names.index("sorting.order_by")] == ("name", "id")
