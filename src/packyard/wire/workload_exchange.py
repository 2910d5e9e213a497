"""POST /2019-12-10/{provider resource name}/exchange-token: a workload's OIDC token in, its
service principal's access token out. Refusals count in the one login throttle, per provider
and address (and per address across the token endpoint and sign-in)."""

from __future__ import annotations

import logging
import time

import anyio.to_thread
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from packyard.auth.federation import MAX_TOKEN_BYTES, IssuerKeys, exchange
from packyard.domain.audit import AuditEvent
from packyard.domain.workload_identity import Provider
from packyard.errors import PermissionDenied, RegistryError, Unauthenticated
from packyard.ids import new_id, utcnow
from packyard.wire.headers import no_store
from packyard.wire.http import BodyTooLarge, error_response, json_response, read_limited
from packyard.wire.oauth import source_address, trusted_networks
from packyard.wire.routing import Services

PATH = (
    "/2019-12-10/iam/project/{project_id}/service-principal/{principal}"
    "/workload-identity-provider/{name}/exchange-token"
)

log = logging.getLogger("packyard.oauth")


class ExchangeRequest(msgspec.Struct):
    jwt_token: str | None = None


def exchange_route(services: Services) -> Route:
    settings = services.settings.workload_identity
    throttle = services.logins  # the one throttle of the token endpoint and sign-in too
    trusted = trusted_networks(services.settings.login.trusted_proxies)
    keys = IssuerKeys(settings)

    async def exchange_token(request: Request) -> Response:
        resource_name = request.url.path.removeprefix("/2019-12-10/").removesuffix(
            "/exchange-token"
        )
        address = source_address(request, trusted)
        wait = throttle.retry_after(resource_name, address, time.monotonic())
        if wait:
            response = error_response(8, "too many refused exchanges; try again later", status=429)
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            body = msgspec.json.decode(
                await read_limited(request, limit=MAX_TOKEN_BYTES + 1024), type=ExchangeRequest
            )
        except (BodyTooLarge, msgspec.DecodeError, msgspec.ValidationError):
            return error_response(3, 'the body must be {"jwt_token": "..."}, and short')
        if not body.jwt_token:
            return error_response(3, "jwt_token is required")

        def audit(provider: Provider, operation: str) -> AuditEvent:
            return AuditEvent(
                id=new_id(),
                occurred_at=utcnow(),
                actor_id=provider.principal_id,
                actor_name=provider.name.principal.principal,
                operation=operation,
                method=request.method,
                resource=request.url.path,
                project_id=provider.name.principal.project_id,
                source=address,
                forwarded_for=", ".join(request.headers.getlist("x-forwarded-for"))[-200:],
            )

        try:
            done = await anyio.to_thread.run_sync(
                lambda: exchange(
                    services.store,
                    services.tokens,
                    keys,
                    resource_name=resource_name,
                    token=str(body.jwt_token),
                    skew_seconds=settings.clock_skew_seconds,
                    audit=audit,
                )
            )
        except (Unauthenticated, PermissionDenied) as exc:
            throttle.failed(resource_name, address, time.monotonic())
            log.warning("refused token exchange with %s from %s: %s", resource_name, address, exc)
            return error_response(exc.code, exc.message)
        except RegistryError as exc:
            return error_response(exc.code, exc.message)
        throttle.succeeded(resource_name, address)
        return json_response({"access_token": done.access_token, "expires_in": done.expires_in})

    return Route(
        PATH, no_store(exchange_token), methods=["POST"], name="ExchangeWorkloadIdentityToken"
    )
