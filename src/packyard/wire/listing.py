"""How a list request asks for its page, and the page tokens of the answer, the same in both
Packer planes: in the store's order (by id) a page is asked by keyset tokens; with
sorting.order_by the listing is sorted whole and paged by offset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.requests import Request

from packyard.domain.paging import ListAsk, SortedAsk
from packyard.errors import InvalidArgument
from packyard.wire.http import (
    Pagination,
    keyset_pagination,
    page_ask,
    page_pagination,
    page_window,
)

PAGE_QUERY = (
    "pagination.page_size",
    "pagination.next_page_token",
    "pagination.previous_page_token",
    "sorting.order_by",
)
"""What a page of a listing depends on, besides the path: a cached page is kept by these."""


def _orders(request: Request, fields: Mapping[str, str]) -> tuple[tuple[str, bool], ...]:
    """sorting.order_by entries such as "name", "created_at desc", as the read's fields
    (`fields`: the plane's name of each field the listing sorts by, and the read's)."""
    asked = request.query_params.getlist("sorting.order_by")
    entries = [part.strip() for order in asked for part in order.split(",") if part.strip()]
    orders = []
    for entry in reversed(entries):  # the last is applied first, and checked first
        name, _, direction = entry.partition(" ")
        if name not in fields:
            raise InvalidArgument(f'cannot sort by "{name}"; use one of {", ".join(fields)}')
        orders.append((fields[name], direction.strip().lower() == "desc"))
    return tuple(reversed(orders))


def list_ask(request: Request, fields: Mapping[str, str]) -> ListAsk:
    """The page a list request asks for."""
    if request.query_params.getlist("sorting.order_by"):
        orders = _orders(request, fields)
        start, size = page_window(request)
        return SortedAsk(orders, start, size)
    return page_ask(request)


def pagination(ask: ListAsk, keys: Sequence[str], *, more: bool) -> Pagination:
    """The tokens of the pages around the page read for `ask` (`keys`: its items' ids)."""
    if isinstance(ask, SortedAsk):
        return page_pagination(ask.start, ask.size, more=more)
    return keyset_pagination(ask, keys, more=more)
