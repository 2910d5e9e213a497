"""The rules every name, duration, number and request body must pass before any store sees it."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
from starlette.requests import Request

from packyard.domain.registry import (
    MAX_DURATION,
    parse_duration,
    require_name,
    require_path_name,
    require_shallow,
)
from packyard.errors import InvalidArgument
from packyard.wire.http import Int32, int32, read_body


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "esc\x1b[0m", "tab\there", "nel\x85", "del\x7f", "\ud800", "n" * 256, " ", ""],
)
def test_names_refused(value):
    with pytest.raises(InvalidArgument):
        require_name(value, "name")


@pytest.mark.parametrize(
    "value", ["n" * 255, "bücket-名前-🚀", "x'); DROP TABLE buckets;--", "a\u202eb", "a/b", "%_"]
)
def test_names_kept(value):
    assert require_name(value, "name") == value


def test_limits_per_name():
    assert require_name("i" * 512, "artifact identifier", limit=512)
    with pytest.raises(InvalidArgument, match="longer than 100"):
        require_name("v" * 101, "version", limit=100)


@pytest.mark.parametrize("value", ["a/b", "/", ".", "..", "x\n"])
def test_path_names_refused(value):
    with pytest.raises(InvalidArgument):
        require_path_name(value, "bucket name")


def test_path_names_kept():
    assert require_path_name("...", "bucket name") == "..."
    assert require_path_name("a.b", "bucket name") == "a.b"


def test_shallow_metadata():
    deep: object = {"leaf": 1}
    for _ in range(30):
        deep = [deep]
    require_shallow(deep, "build metadata")  # 30 lists, a dict and its value: 32 levels
    with pytest.raises(InvalidArgument, match="32 levels"):
        require_shallow([deep], "build metadata")
    require_shallow({"a": 1, "b": {"c": [1, 2]}}, "build metadata")


def test_durations_bounded():
    assert parse_duration("36600d") == MAX_DURATION
    for text in ("36601d", "99999999999999999999d", "1e400h"):
        with pytest.raises(InvalidArgument):
            parse_duration(text)


def test_int32():
    assert int32("2147483647", "n") == 2**31 - 1
    assert int32("-2147483648", "n") == -(2**31)
    for text in ("2147483648", "99999999999999999999999", "1.5", "x"):
        with pytest.raises(InvalidArgument):
            int32(text, "n")


class Body(msgspec.Struct):
    name: str | None = None
    count: Int32 | None = None
    metadata: dict[str, object] | None = None


def _read(body: bytes, limit: int = 1 << 20) -> Body:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    request = Request({"type": "http", "method": "PUT", "headers": []}, receive)
    return asyncio.run(read_body(request, Body, limit=limit))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"name": "\xff"}', "UTF-8"),
        (b'{"name": "a\\u0000b"}', "NUL"),
        (b'{"name": "a\\\\\\u0000b"}', "NUL"),
        (b'{"count": 2147483648}', "2147483647"),
        (b'{"metadata": {"a": ' + b"[" * 5000 + b"]" * 5000 + b"}}", "nests too deeply"),
        (b'{"other": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nests too deeply"),
        (b'{"name": "' + b"x" * 100 + b'"}', "limit"),
    ],
)
def test_bodies_refused(body, message):
    with pytest.raises(InvalidArgument, match=message):
        _read(body, limit=100 if message == "limit" else 1 << 20)


def test_bodies_kept():
    assert _read(b'{"name": "a\\\\u0000b"}').name == "a\\u0000b"  # a backslash, then "u0000"
    assert _read(b'{"count": -2147483648}').count == -(2**31)
    assert _read(b"").name is None
