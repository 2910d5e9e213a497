"""The request pipeline's names in one place: routes as data (route), the request context
(call), who may call (authorization), what a cached answer depends on (cache_key) and the
one dispatcher that serves them (pipeline)."""

from packyard.wire.authorization import Granted, authorize, bearer, scope_of
from packyard.wire.cache_key import LIST_QUERY, answered_query, cache_key
from packyard.wire.call import Call
from packyard.wire.pipeline import Services, endpoint, serve_in_transaction
from packyard.wire.route import (
    Handler,
    Locator,
    Route,
    bucket_in_body,
    bucket_of_build,
    bucket_of_iteration,
    target_of,
)

__all__ = [
    "LIST_QUERY",
    "Call",
    "Granted",
    "Handler",
    "Locator",
    "Route",
    "Services",
    "answered_query",
    "authorize",
    "bearer",
    "bucket_in_body",
    "bucket_of_build",
    "bucket_of_iteration",
    "cache_key",
    "endpoint",
    "scope_of",
    "serve_in_transaction",
    "target_of",
]
