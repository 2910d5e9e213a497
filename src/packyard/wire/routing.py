"""Routes as data (method, path, role, operation) and the one dispatcher that serves them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from packyard.auth.principals import actor_for, caller_from
from packyard.auth.tokens import TokenIssuer
from packyard.config import Settings
from packyard.domain.iam import Target
from packyard.domain.identity import Actor, Role, Scope
from packyard.domain.registry import Version
from packyard.errors import NotFound, PermissionDenied, RegistryError, Unauthenticated
from packyard.ids import utcnow
from packyard.services.iam import role_on_bucket
from packyard.store.audit import AuditLog
from packyard.store.engine import Store
from packyard.store.repository import Repository
from packyard.store.tenants import CALLER
from packyard.wire.audit import api_event
from packyard.wire.cache import ReadCache
from packyard.wire.http import encode, error_response, json_response, read_body

log = logging.getLogger("packyard.request")

REQUESTS = Counter(
    "packyard_requests_total", "API requests by operation and status", ["operation", "status"]
)
LATENCY = Histogram(
    "packyard_request_seconds",
    "API request latency by operation",
    ["operation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


@dataclass
class Call:
    """One request as a use case sees it, inside its transaction."""

    request: Request
    actor: Actor
    scope: Scope
    params: dict[str, str]
    repo: Repository
    now: datetime
    settings: Settings
    body: Any = None
    valid_until: datetime | None = None  # when a cached rendering of this answer goes stale

    def param(self, name: str) -> str:
        return self.params[name]

    def shows_each(self, versions: Iterable[Version | None]) -> None:
        for version in versions:
            self.shows(version)

    def shows(self, version: Version | None) -> None:
        """Note a rendered version whose status will change at its scheduled revocation."""
        if version is not None and version.revocation_scheduled(self.now):
            assert version.revoke_at is not None
            if self.valid_until is None or version.revoke_at < self.valid_until:
                self.valid_until = version.revoke_at


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


@dataclass
class Services:
    """What the dispatcher needs, built once per process by the app factory."""

    settings: Settings
    store: Store
    tokens: TokenIssuer
    cache: ReadCache
    # Bodies read by Route.prepare at once (an SBOM may decompress to 64 MiB): the rest wait.
    preparing: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(2))


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a bearer token is required")
    return token.strip()


def scope_of(actor: Actor, params: dict[str, str]) -> Scope:
    """The project the path names; another tenant's project answers as not found."""
    organization_id = params.get("organization_id", "")
    project_id = params.get("project_id", "")
    if not actor.can_see(organization_id, project_id or None):
        raise NotFound("no such organization or project")
    return Scope(organization_id, project_id)


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


Granted = Callable[[Actor, Scope, Target], Role | None]


def authorize(
    route: Route,
    actor: Actor,
    params: dict[str, str],
    *,
    target: Target | None = None,
    granted: Granted | None = None,
) -> tuple[Actor, Scope]:
    """The scope a request acts in, and the actor with any role granted on its bucket."""
    if route.scoped:
        scope = scope_of(actor, params)
    elif target is not None and target.project_id is not None:
        scope = scope_of(
            actor, {"organization_id": actor.organization_id, "project_id": target.project_id}
        )
    else:
        scope = Scope(actor.organization_id, "")
    if actor.bucket_roles and actor.role < Role.ADMIN and target is not None and granted:
        actor = actor.on_bucket(granted(actor, scope, target))
    if actor.role < route.role:
        raise PermissionDenied(f"the {actor.role.label} role may not call {route.operation}")
    return actor, scope


LIST_QUERY = frozenset({"sorting.order_by"})
"""Query parameters a handler reads every value of (sorting.order_by=a&sorting.order_by=b)."""


def _cache_key(route: Route, request: Request, actor: Actor) -> tuple[object, ...]:
    """What a cached answer depends on: the route, its path's and named query's values."""
    query = request.query_params
    return (
        route.operation,
        tuple(sorted(request.path_params.items())),
        tuple(  # as the handler reads: the last value, or every one (in order) of a list
            tuple(query.getlist(name)) if name in LIST_QUERY else (query.get(name) or None)
            for name in route.cache_query
        ),
        actor.role >= Role.CONTRIBUTOR,  # restricted channels differ by role
        actor.project_id is None,  # ancestry across projects differs by the key's reach
    )


def answered_query(route: Route, request: Request) -> Request:
    """The request as a cached route's handler sees it: only its cache_query parameters, so
    that no other parameter can change an answer the cache keeps without them."""
    items = request.query_params.multi_items()
    kept = [(key, value) for key, value in items if key in route.cache_query]
    if len(kept) == len(items):
        return request
    return Request({**request.scope, "query_string": urlencode(kept).encode()}, request.receive)


def _cache_hit(
    route: Route,
    services: Services,
    request: Request,
    principal_id: str,
    generation: int,
    params: dict[str, str],
) -> bytes | None:
    """The hot path: one raw read of the caller and registry stamp, then the cache."""
    project_id = params.get("project_id", "")
    row = services.store.read_one(CALLER, {"principal_id": principal_id, "project_id": project_id})
    actor, stamp = caller_from(row, generation=generation, project_id=project_id)
    if actor.bucket_roles:
        return None  # roles granted on one bucket are settled in the transaction
    authorize(route, actor, params)
    if stamp is None:
        return None
    return services.cache.get(_cache_key(route, request, actor), stamp, utcnow())


def endpoint(route: Route, services: Services) -> StarletteRoute:
    # Each series is looked up once, at its first request (so /metrics lists only those seen).
    latency: list[Histogram] = []
    counted: dict[int, Counter] = {}

    async def serve(request: Request) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await _dispatch(route, services, request)
            status = response.status_code
            return response
        except RegistryError as exc:
            response = error_response(exc.code, exc.message)
            status = response.status_code
            return response
        finally:
            elapsed = time.perf_counter() - started
            counter = counted.get(status)
            if counter is None:
                counter = counted[status] = REQUESTS.labels(route.operation, str(status))
            counter.inc()
            if not latency:
                latency.append(LATENCY.labels(route.operation))
            latency[0].observe(elapsed)

    return StarletteRoute(route.path, serve, methods=[route.method], name=route.operation)


async def _dispatch(route: Route, services: Services, request: Request) -> Response:
    principal_id, generation = services.tokens.verify(bearer(request))
    params = {key: str(value) for key, value in request.path_params.items()}
    body: object = None
    if route.body is not None:
        body = await read_body(request, route.body, limit=services.settings.max_body_bytes)
    if route.prepare is not None:
        body = await anyio.to_thread.run_sync(route.prepare, body, limiter=services.preparing)
    if route.cached:
        request = answered_query(route, request)
        hit = _cache_hit(route, services, request, principal_id, generation, params)
        if hit is not None:
            return Response(hit, 200, media_type="application/json")
    return services.store.retrying(
        lambda: _transact(route, services, request, principal_id, generation, params, body)
    )


def _transact(
    route: Route,
    services: Services,
    request: Request,
    principal_id: str,
    generation: int,
    params: dict[str, str],
    body: object,
) -> Response:
    """The request's one transaction; run again whole if it lost to a concurrent writer."""
    with services.store.transaction(write=route.write) as conn:
        actor, stamp = actor_for(
            conn,
            principal_id=principal_id,
            generation=generation,
            project_id=params.get("project_id", ""),
        )
        repo = Repository(conn)
        actor, scope = authorize(
            route,
            actor,
            params,
            target=target_of(route, request, params, body),
            granted=lambda who, where, target: role_on_bucket(repo, who, where, target),
        )
        call = Call(
            request=request,
            actor=actor,
            scope=scope,
            params=params,
            repo=repo,
            now=utcnow(),
            settings=services.settings,
            body=body,
        )
        if route.cached and stamp is not None:
            return _cached(route, services, call, stamp)
        payload = route.handler(call)
        if route.write:
            AuditLog(conn).record(api_event(request, route.operation, actor, scope, call.now))
            if route.scoped:
                call.repo.bump_content(scope.project_id)
    return payload if isinstance(payload, Response) else json_response(payload)


def _cached(route: Route, services: Services, call: Call, stamp: tuple[str, int]) -> Response:
    """Render a read and keep it while the content is unchanged (and the clock allows)."""
    body = encode(route.handler(call))
    services.cache.put(
        _cache_key(route, call.request, call.actor), stamp, body, valid_until=call.valid_until
    )
    return Response(body, 200, media_type="application/json")


def serve_in_transaction(
    route: Route,
    services: Services,
    request: Request,
    *,
    principal_id: str,
    generation: int,
    params: dict[str, str],
    body: object,
) -> Response:
    """A route's one transaction, for the use cases' other client, the console: the same
    caller look-up, authorisation and audit as the API's."""
    return services.store.retrying(
        lambda: _transact(route, services, request, principal_id, generation, params, body)
    )
