"""What every plane shares: the error envelope, JSON in and out, paging and sorting."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from packyard.domain.paging import PageAsk
from packyard.errors import InvalidArgument
from packyard.ids import parse_rfc3339

T = TypeVar("T")

HTTP_STATUS = {3: 400, 5: 404, 6: 409, 7: 403, 9: 400, 10: 409, 12: 501, 13: 500, 14: 503, 16: 401}
_encoder = msgspec.json.Encoder()


class Pagination(msgspec.Struct, omit_defaults=True):
    next_page_token: str | None = None
    previous_page_token: str | None = None


def encode(payload: object) -> bytes:
    return _encoder.encode(payload)


class JsonAnswer(Response):
    """An encoded JSON answer: Starlette's Response with its two headers made directly."""

    media_type = "application/json"

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = [
            (b"content-length", b"%d" % len(body)),
            (b"content-type", b"application/json"),
        ]


def json_response(payload: object, status: int = 200) -> Response:
    return JsonAnswer(_encoder.encode(payload), status)


RETRY_AFTER_SECONDS = "1"


def error_response(code: int, message: str, *, status: int | None = None) -> Response:
    """The google.rpc.Status envelope. No other field may be named "code": Packer greps it.

    The HTTP status is the code's (grpc-gateway's mapping) unless given. UNAVAILABLE (14) is
    worth retrying; Retry-After says when.
    """
    response = json_response(
        {"code": code, "message": message, "details": []}, status or HTTP_STATUS.get(code, 500)
    )
    if code == 14:
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response


DRAIN_FACTOR = 4
"""An oversized body is read and dropped up to this many times the limit before refusal."""


async def read_limited(request: Request, *, limit: int) -> bytes:
    """The request body, read as a stream and never held past `limit` bytes.

    An oversized body is read on (up to DRAIN_FACTOR times the limit) and dropped, so that
    the client, still sending, gets the answer instead of a connection reset; then
    BodyTooLarge.
    """
    received = bytearray()
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            received.clear()
            if size > limit * DRAIN_FACTOR:
                break
            continue
        received += chunk
    if size > limit:
        raise BodyTooLarge(limit)
    return bytes(received)


async def read_body(request: Request, kind: type[T], *, limit: int) -> T:
    received = await read_limited(request, limit=limit)
    body = received if received.strip() else b"{}"
    if _NUL.search(body):
        raise InvalidArgument("request body strings may not contain NUL characters")
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.ValidationError as exc:
        raise InvalidArgument(f"invalid request body: {exc}") from None
    except msgspec.DecodeError as exc:
        raise InvalidArgument(f"malformed JSON in request body: {exc}") from None
    except UnicodeDecodeError:
        raise InvalidArgument("the request body is not valid UTF-8") from None
    except RecursionError:
        raise InvalidArgument("the request body nests too deeply") from None


# A JSON escape of NUL (not an escaped backslash before "u0000"): no store keeps NUL in text.
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000|\x00")


class BodyTooLarge(InvalidArgument):
    def __init__(self, limit: int) -> None:
        super().__init__(f"request body exceeds the limit of {limit} bytes")


def timestamp(text: str | None) -> datetime | None:
    """An RFC 3339 request field; empty (or Go's zero time) means unset."""
    if not text:
        return None
    try:
        return parse_rfc3339(text)
    except ValueError:
        raise InvalidArgument(f'"{text}" is not an RFC 3339 timestamp') from None


INT32 = (-(2**31), 2**31 - 1)
# A request body's 32-bit integer field (the specs' int32), refused with 400 when out of range.
Int32 = Annotated[int, msgspec.Meta(ge=INT32[0], le=INT32[1])]


def int32(text: str, what: str) -> int:
    """A path or query parameter the specs call int32."""
    try:
        value = int(text)
    except ValueError:
        raise InvalidArgument(f"{what} must be an integer") from None
    if not INT32[0] <= value <= INT32[1]:
        raise InvalidArgument(f"{what} must be a 32-bit integer")
    return value


def query_int(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text in (None, ""):
        return None
    return int32(text, f"query parameter {name}")


def query_bool(request: Request, name: str) -> bool | None:
    text = request.query_params.get(name)
    if text in (None, ""):
        return None
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    raise InvalidArgument(f"query parameter {name} must be true or false")


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not text.startswith("o:"):
            raise ValueError(text)
        return max(0, int(text[2:]))
    except ValueError:
        raise InvalidArgument("invalid page token") from None


def page_token_after(key: str) -> str:
    """The token of the page that follows the item with this id."""
    return base64.urlsafe_b64encode(f"k:{key}".encode()).decode().rstrip("=")


def page_token_before(key: str) -> str:
    """The token of the page that ends just before the item with this id."""
    return base64.urlsafe_b64encode(f"p:{key}".encode()).decode().rstrip("=")


def page_ask(request: Request) -> PageAsk:
    """What pagination.page_size and the opaque *_page_token ask, for a list in id order."""
    size = _page_size(request)
    token = _one_token(request)
    if not token:
        return PageAsk(size)
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:
        raise InvalidArgument("invalid page token") from None
    kind, _, key = text.partition(":")
    if len(key) > 64:
        raise InvalidArgument("invalid page token")
    if kind == "k" and key:
        return PageAsk(size, after=key)
    if kind == "p" and key:
        return PageAsk(size, before=key)
    return PageAsk(size, offset=_offset(token))


def keyset_pagination(ask: PageAsk, keys: Sequence[str], *, more: bool) -> Pagination:
    """The tokens of the pages around a page read for `ask` (`keys`: the page's ids in
    order; `more`: items lie beyond it in the direction it was read)."""
    if not keys:
        return Pagination()
    if ask.before is not None:
        return Pagination(
            next_page_token=page_token_after(keys[-1]),
            previous_page_token=page_token_before(keys[0]) if more else None,
        )
    return Pagination(
        next_page_token=page_token_after(keys[-1]) if more else None,
        previous_page_token=None if ask.first else page_token_before(keys[0]),
    )


def _page_size(request: Request) -> int:
    size = query_int(request, "pagination.page_size") or 0
    return 100 if size <= 0 else min(size, 1000)


def _one_token(request: Request) -> str | None:
    next_token = request.query_params.get("pagination.next_page_token")
    previous_token = request.query_params.get("pagination.previous_page_token")
    if next_token and previous_token:
        raise InvalidArgument("set only one of next_page_token and previous_page_token")
    return next_token or previous_token or None


def page_window(request: Request) -> tuple[int, int]:
    """Where the asked page starts and how many items it holds, as pagination.page_size and
    the opaque *_page_token ask."""
    size = query_int(request, "pagination.page_size") or 0
    next_token = request.query_params.get("pagination.next_page_token")
    previous_token = request.query_params.get("pagination.previous_page_token")
    if next_token and previous_token:
        raise InvalidArgument("set only one of next_page_token and previous_page_token")
    if size <= 0:
        size = 100
    size = min(size, 1000)
    start = _offset(next_token or previous_token or "") if (next_token or previous_token) else 0
    return start, size


def page_pagination(start: int, size: int, *, more: bool) -> Pagination:
    """The tokens of the pages around one (`more`: items follow it)."""
    return Pagination(
        next_page_token=_token(start + size) if more else None,
        previous_page_token=_token(max(0, start - size)) if start > 0 else None,
    )


def paginate(request: Request, items: Sequence[T]) -> tuple[Sequence[T], Pagination]:
    """Offset paging behind opaque tokens, as pagination.page_size / *_page_token ask."""
    start, size = page_window(request)
    page = items[start : start + size]
    return page, page_pagination(start, size, more=start + size < len(items))


def sort(request: Request, items: list[T], keys: dict[str, Callable[[T], Any]]) -> list[T]:
    """Apply sorting.order_by entries such as "name", "created_at desc"."""
    orders = request.query_params.getlist("sorting.order_by")
    fields = [field.strip() for order in orders for field in order.split(",") if field.strip()]
    for field in reversed(fields):
        name, _, direction = field.partition(" ")
        key = keys.get(name)
        if key is None:
            raise InvalidArgument(f'cannot sort by "{name}"; use one of {", ".join(keys)}')
        items = sorted(items, key=key, reverse=direction.strip().lower() == "desc")
    return items
