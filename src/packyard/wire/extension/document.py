"""The extension API's OpenAPI document, served as it ships in the package."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

PATH = "/packyard/v1/openapi.yaml"


@cache
def openapi_document() -> bytes:
    return files("packyard.wire.extension").joinpath("openapi.yaml").read_bytes()


async def _serve(request: Request) -> Response:
    return Response(openapi_document(), media_type="application/yaml")


def openapi_route() -> StarletteRoute:
    """GET /packyard/v1/openapi.yaml, without credentials."""
    return StarletteRoute(PATH, _serve, methods=["GET"], name="packyard.OpenAPIDocument")
