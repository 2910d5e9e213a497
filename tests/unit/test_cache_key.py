"""A cached answer's key reads a request without a query as it reads one whose query names
none of the route's parameters, and tells the asked values apart."""

from __future__ import annotations

from starlette.requests import Request

from packyard.domain.identity import Actor, Role
from packyard.wire.cache_key import (
    _READINGS,
    QUERIES_KEPT,
    QUERY_KEPT_BYTES,
    answered_query,
    cache_key,
)
from packyard.wire.route import Route
from packyard.wire.v2021.routes import ROUTES as V1_ROUTES
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


def _get_iteration() -> Route:
    (route,) = [route for route in V1_ROUTES if route.operation == "GetIteration"]
    return route


def test_the_handler_sees_only_the_routes_parameters_and_the_key_reads_them_alike() -> None:
    route = _get_iteration()
    asked = _request(b"utm=1&fingerprint=hot&x=2")
    seen = answered_query(route, asked)
    assert seen.scope["query_string"] == b"fingerprint=hot"
    assert seen.query_params.get("fingerprint") == "hot"
    plain = _request(b"fingerprint=hot")
    assert answered_query(route, plain) is plain  # nothing to drop: the request itself
    key = cache_key(route, asked, ACTOR)
    assert key == cache_key(route, seen, ACTOR) == cache_key(route, plain, ACTOR)
    assert key != cache_key(route, _request(b"fingerprint=cold"), ACTOR)
    assert key[2] == (None, "hot", None)  # iteration_id, fingerprint, incremental_version


def test_the_readings_kept_stay_bounded_and_long_queries_are_read_each_time() -> None:
    route = _get_iteration()
    for n in range(QUERIES_KEPT + 10):
        query = f"fingerprint=f{n}".encode()
        assert cache_key(route, _request(query), ACTOR)[2] == (None, f"f{n}", None)
        assert len(_READINGS) <= QUERIES_KEPT
    long = b"fingerprint=" + b"f" * QUERY_KEPT_BYTES
    assert cache_key(route, _request(long), ACTOR)[2][1] == "f" * QUERY_KEPT_BYTES
    assert ("GetIteration", long) not in _READINGS
