"""A page of ListBuckets, the same in both Packer planes: only the page's buckets are read
and summarized, and their ancestry is read for the page at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from packyard.domain.registry import Bucket
from packyard.services import ancestry, buckets
from packyard.wire.http import Pagination, keyset_pagination, page_ask, paginate, sort
from packyard.wire.routing import Call

PAGE_QUERY = (
    "pagination.page_size",
    "pagination.next_page_token",
    "pagination.previous_page_token",
    "sorting.order_by",
)
"""What a page of buckets depends on, besides the path: a cached page is kept by these."""


def bucket_page(
    call: Call, sort_keys: dict[str, Callable[[Bucket], Any]]
) -> tuple[list[Bucket], Pagination]:
    request = call.request
    if request.query_params.getlist("sorting.order_by"):
        found = sort(request, buckets.list_buckets(call.repo, call.scope), sort_keys)
        page, pagination = paginate(request, found)
        shown = list(page)
    else:  # in the order the store keeps (by id): the store reads only the page
        ask = page_ask(request)
        read = buckets.bucket_page(call.repo, call.scope, ask)
        shown = read.items
        pagination = keyset_pagination(ask, [item.id for item in shown], more=read.more)
    buckets.summarize(call.repo, shown)
    call.shows_each(
        [
            *(item.latest_version for item in shown),
            *ancestry.annotate_buckets(call.repo, call.actor, shown, call.now),
        ]
    )
    return shown, pagination
