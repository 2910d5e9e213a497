"""Routes as data: method, path, the role a caller needs, the operation, and how the request
names the bucket it acts on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from packyard.domain.iam import Target
from packyard.domain.identity import Role
from packyard.wire.call import Call

Handler = Callable[[Call], object]
Locator = Callable[[Request, dict[str, str], Any], Target | None]
"""Where a request names the one bucket it acts on, when its path does not say."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    role: Role
    operation: str
    body: type | None = None
    scoped: bool = True
    cached: bool = False
    cache_query: tuple[str, ...] = ()  # the query parameters a cached answer depends on
    target: Locator | None = None  # default: the path's bucket_name / bucket_slug
    # Reads the decoded body into what the handler takes, in a worker thread before the
    # transaction opens: for work too slow to do on the event loop or under the write lock.
    prepare: Callable[[Any], object] | None = None
    read_only: bool = False  # a POST that only reads (a preview): no audit line, no write lock

    @property
    def write(self) -> bool:
        return self.method != "GET" and not self.read_only


def bucket_in_body(field: str) -> Locator:
    """A route whose body names the bucket (creating one that may already exist)."""
    return lambda request, params, body: (
        Target(bucket_name=name) if (name := getattr(body, field, None)) else None
    )


def bucket_of_build(request: Request, params: dict[str, str], body: Any) -> Target:
    return Target(build_id=params["build_id"])


def bucket_of_iteration(request: Request, params: dict[str, str], body: Any) -> Target:
    return Target(version_id=params["iteration_id"])


def target_of(route: Route, request: Request, params: dict[str, str], body: Any) -> Target | None:
    if route.target is not None:
        return route.target(request, params, body)
    name = params.get("bucket_name", params.get("bucket_slug"))
    return None if name is None else Target(bucket_name=name)
