"""Operations routes: liveness, readiness (store reachable), Prometheus metrics (behind a
bearer token when PACKYARD_METRICS_TOKEN is set)."""

from __future__ import annotations

import hmac

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from packyard.wire.http import error_response, json_response
from packyard.wire.routing import Services


def metrics_allowed(request: Request, token: str | None) -> bool:
    """Without a token configured, /metrics is open; with one, it takes only that bearer."""
    if token is None:
        return True
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def ops_routes(services: Services) -> list[Route]:
    async def healthz(_request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if services.store.ping():
            return json_response({"status": "ready"})
        return json_response({"status": "store unreachable"}, 503)

    async def metrics(request: Request) -> Response:
        if not metrics_allowed(request, services.settings.http.metrics_token):
            response = error_response(16, "/metrics needs the metrics bearer token")
            response.headers["WWW-Authenticate"] = 'Bearer realm="packyard-metrics"'
            return response
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
