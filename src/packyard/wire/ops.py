"""Operations routes: liveness, readiness (store reachable), Prometheus metrics."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from packyard.wire.http import json_response
from packyard.wire.routing import Services


def ops_routes(services: Services) -> list[Route]:
    async def healthz(_request: Request) -> Response:
        return json_response({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if services.store.ping():
            return json_response({"status": "ready"})
        return json_response({"status": "store unreachable"}, 503)

    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
