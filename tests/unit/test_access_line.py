"""The per-request log line and the request id, as the trivial route writes them."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import time

from ulid import ULID

from packyard.ids import new_request_id
from packyard.wire import access
from packyard.wire.access import RequestLog, access_line, write_lines_to


def test_the_access_line_is_what_json_dumps_writes() -> None:
    fields = {
        "request_id": new_request_id(),
        "method": "GET",
        "path": '/packer/2023-01-01/o/"quoted"/\u00e9t\u00e9\\x',
        "status": 404,
        "ms": round(0.123456 * 1000, 2),
    }
    assert access_line(*fields.values()) == json.dumps(fields)  # type: ignore[arg-type]


def test_request_ids_are_ulids_of_now() -> None:
    before = int(time.time() * 1000)
    ids = [new_request_id() for _ in range(2000)]
    after = int(time.time() * 1000)
    for value in ids:
        parsed = ULID.from_str(value)
        assert str(parsed) == value and len(value) == 26
        assert before <= parsed.milliseconds <= after
    assert len(set(ids)) == len(ids)


def test_a_request_is_logged_in_one_line_without_a_log_record() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    made: list[logging.LogRecord] = []
    handler.addFilter(lambda record: made.append(record) or True)
    logger = logging.getLogger("packyard")
    saved = (logger.handlers[:], logger.level, access._write)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    write_lines_to(handler)
    sent: list[dict[str, object]] = []

    async def hello(scope: object, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": [(b"a", b"b")]})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    async def receive() -> dict[str, object]:
        return {"type": "http.request"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/healthz", "scheme": "https"}
    try:
        asyncio.run(RequestLog(hello)(scope, receive, send))  # type: ignore[arg-type]
    finally:
        logger.handlers[:], level, access._write = saved
        logger.setLevel(level)
    line = json.loads(stream.getvalue())
    assert stream.getvalue().count("\n") == 1 and not made
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 204)
    headers = dict(sent[0]["headers"])  # type: ignore[call-overload]
    assert headers[b"x-request-id"].decode() == line["request_id"]
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert headers[b"strict-transport-security"] == b"max-age=31536000"
    assert headers[b"a"] == b"b"


class _Writes(io.StringIO):
    """A stream that counts its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_the_lines_of_one_turn_of_the_loop_are_written_in_one_write() -> None:
    stream = _Writes()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("packyard")
    saved = (logger.handlers[:], logger.level, access._write)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    write_lines_to(handler)

    async def hello(scope: object, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b"ok"})  # type: ignore[operator]

    async def receive() -> dict[str, object]:
        return {"type": "http.request"}

    async def send(message: dict[str, object]) -> None:
        return None

    async def five_at_once() -> int:
        scopes = [{"type": "http", "method": "GET", "path": f"/{n}"} for n in range(5)]
        await asyncio.gather(*(RequestLog(hello)(s, receive, send) for s in scopes))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        return stream.writes

    try:
        writes = asyncio.run(five_at_once())  # the five end in one turn
        access._write(access_line("off-the-loop", "GET", "/x", 200, 1.0))
        after_off_loop = stream.writes
    finally:
        logger.handlers[:], level, access._write = saved
        logger.setLevel(level)
    assert writes == 1
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert sorted(line["path"] for line in lines[:5]) == [f"/{n}" for n in range(5)]
    assert after_off_loop == 2 and lines[5]["request_id"] == "off-the-loop"
