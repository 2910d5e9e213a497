"""A bare Starlette "hello" app under granian, the yardstick of the trivial route.

    python bench/bare_app.py PORT WORKERS [CERT KEY]

Served the way `packyard serve` serves Packyard (granian's ASGI interface, no access log),
so the two differ only in the application.
"""

from __future__ import annotations

import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def hello(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


ANSWER = b'{"text":"' + b"x" * 7550 + b'"}'
"""An answer the size of the hot reads' (a version of 10 builds x 3 artifacts, ~7.5 KB)."""


async def answer(_request: Request) -> Response:
    return Response(ANSWER, media_type="application/json")


app = Starlette(
    routes=[Route("/healthz", hello, methods=["GET"]), Route("/answer", answer, methods=["GET"])]
)


def main() -> None:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    from packyard.cli_support import event_loop

    port, workers, *tls = sys.argv[1:]
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    Server(
        target="bare_app:app",
        interface=Interfaces.ASGI,
        loop=Loops(event_loop()),  # the loop `packyard serve` runs on
        address="127.0.0.1",
        port=int(port),
        workers=int(workers),
        ssl_cert=Path(tls[0]) if tls else None,
        ssl_key=Path(tls[1]) if tls else None,
        log_access=False,
    ).serve()


if __name__ == "__main__":
    main()
