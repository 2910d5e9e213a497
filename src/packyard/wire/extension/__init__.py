"""The extension API /packyard/v1: what the HCP APIs have no operation for."""

from __future__ import annotations

from packyard.wire.extension import accounts, channels, registry
from packyard.wire.extension.document import openapi_route
from packyard.wire.routing import Route

ROUTES: list[Route] = [*registry.ROUTES, *channels.ROUTES, *accounts.ROUTES]

__all__ = ["ROUTES", "openapi_route"]
