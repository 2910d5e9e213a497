"""One middleware around every answer: its request id, the security headers and the access
line. Pure ASGI and built once per request, since the trivial route pays for all of it."""

from __future__ import annotations

import asyncio
import atexit
import logging
import time
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from packyard.ids import new_request_id
from packyard.wire.headers import security_headers

log = logging.getLogger("packyard.access")
_write: Callable[[str], None] = log.info


def write_lines_to(handler: logging.StreamHandler[TextIO]) -> None:
    """Access lines go straight to the stream of the handler that would print them (one with
    a message-only format): the same line, without a log record made and formatted for it.

    The lines of the requests that end in one turn of the event loop are written together at
    the start of its next turn, in one write: under load a write per request would release
    and take back the interpreter's lock once for every answer. Off an event loop (or at
    exit) a line is written at once."""
    global _write
    stream, lock = handler.stream, handler.lock
    assert lock is not None  # a handler made by its constructor has its lock
    pending: list[str] = []

    def flush() -> None:
        with lock:
            if pending:
                stream.write("\n".join(pending) + "\n")
                pending.clear()
                stream.flush()

    def write(line: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with lock:
            pending.append(line)
            first = len(pending) == 1
        if loop is None:
            flush()
        elif first:
            loop.call_soon(flush)

    atexit.register(flush)
    _write = write


def access_line(request_id: str, method: str, path: str, status: int, ms: float) -> str:
    """The request's log line: what json.dumps writes for these fields, written directly.
    Only the path: query strings and headers may carry secrets."""
    return (
        f'{{"request_id": {encode_basestring_ascii(request_id)}, '
        f'"method": {encode_basestring_ascii(method)}, '
        f'"path": {encode_basestring_ascii(path)}, "status": {status:d}, "ms": {ms!r}}}'
    )


class RequestLog:
    """Gives every request an id (X-Request-Id), adds the security headers (nosniff, and HSTS
    over TLS) to its answer, and writes one structured line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        started = time.perf_counter()
        extra = (*security_headers(scope), (b"x-request-id", request_id.encode()))
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if log.isEnabledFor(logging.INFO):
                elapsed = round((time.perf_counter() - started) * 1000, 2)
                _write(access_line(request_id, scope["method"], scope["path"], status, elapsed))
