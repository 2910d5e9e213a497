"""The one dispatcher that serves every route: authenticate, authorise, run the route's
handler in its transaction (or answer from the cache), audit a write, and count it."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from packyard.auth.logins import SecretChecks
from packyard.auth.principals import actor_in, awaited_caller
from packyard.auth.tokens import TokenIssuer
from packyard.config import Settings
from packyard.domain.throttle import LoginThrottle
from packyard.errors import RegistryError
from packyard.ids import utcnow
from packyard.services.iam import role_on_bucket
from packyard.services.work import Store, unit_of_work
from packyard.wire.audit import api_event
from packyard.wire.authorization import authorize, bearer
from packyard.wire.cache import ReadCache
from packyard.wire.cache_key import answered_query, cache_key
from packyard.wire.call import Call
from packyard.wire.http import JsonAnswer, encode, error_response, json_response, read_body
from packyard.wire.request_series import REQUEST_SERIES
from packyard.wire.route import Route, target_of

log = logging.getLogger("packyard.request")


@dataclass
class Services:
    """What the dispatcher needs, built once per process by the app factory."""

    settings: Settings
    store: Store
    tokens: TokenIssuer
    cache: ReadCache
    # The one login throttle: the token endpoint, sign-in and the token exchange count in it.
    logins: LoginThrottle
    # The one bound on argon2 checks at once (PACKYARD_LOGIN_CONCURRENT_CHECKS), every door's.
    secret_checks: SecretChecks
    # Bodies read by Route.prepare at once (an SBOM may decompress to 64 MiB): the rest wait.
    preparing: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(2))


async def _cache_hit(
    route: Route,
    services: Services,
    request: Request,
    principal_id: str,
    generation: int,
    params: dict[str, str],
) -> bytes | None:
    """The hot path: one raw read of the caller and registry stamp (awaited on
    PostgreSQL), then the cache."""
    project_id = params.get("project_id", "")
    actor, stamp = await awaited_caller(
        services.store, principal_id=principal_id, generation=generation, project_id=project_id
    )
    if actor.bucket_roles:
        return None  # roles granted on one bucket are settled in the transaction
    authorize(route, actor, params)
    if stamp is None:
        return None
    return services.cache.get(cache_key(route, request, actor), stamp, utcnow)


def endpoint(route: Route, services: Services) -> StarletteRoute:
    # The series is made at the first request (so /metrics lists only operations asked).
    series = None

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
            nonlocal series
            if series is None:
                series = REQUEST_SERIES.of(route.operation)
            series.observe(status, time.perf_counter() - started)

    return StarletteRoute(route.path, serve, methods=[route.method], name=route.operation)


async def _dispatch(route: Route, services: Services, request: Request) -> Response:
    principal_id, generation = services.tokens.verify(bearer(request))
    params: dict[str, str] = dict(request.path_params)  # every route's are str-converted
    body: object = None
    if route.body is not None:
        body = await read_body(request, route.body, limit=services.settings.max_body_bytes)
    if route.prepare is not None:
        body = await anyio.to_thread.run_sync(route.prepare, body, limiter=services.preparing)
    if route.cached:
        request = answered_query(route, request)
        hit = await _cache_hit(route, services, request, principal_id, generation, params)
        if hit is not None:
            return JsonAnswer(hit)
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
    with unit_of_work(services.store, write=route.write) as work:
        actor, stamp = actor_in(
            work,
            principal_id=principal_id,
            generation=generation,
            project_id=params.get("project_id", ""),
        )
        actor, scope = authorize(
            route,
            actor,
            params,
            target=target_of(route, request, params, body),
            granted=lambda who, where, target: role_on_bucket(work, who, where, target),
        )
        call = Call(
            request=request,
            actor=actor,
            scope=scope,
            params=params,
            work=work,
            now=utcnow(),
            settings=services.settings,
            body=body,
        )
        if route.cached and stamp is not None:
            return _cached(route, services, call, stamp)
        payload = route.handler(call)
        if route.write:
            work.finish_write(
                api_event(request, route.operation, actor, scope, call.now),
                project_id=scope.project_id if route.scoped else None,
            )
    return payload if isinstance(payload, Response) else json_response(payload)


def _cached(route: Route, services: Services, call: Call, stamp: tuple[str, int]) -> Response:
    """Render a read and keep it while the content is unchanged (and the clock allows)."""
    body = encode(route.handler(call))
    services.cache.put(
        cache_key(route, call.request, call.actor), stamp, body, valid_until=call.valid_until
    )
    return JsonAnswer(body)


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
