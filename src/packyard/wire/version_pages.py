"""A page of ListVersions (2023-01-01) or ListIterations (2021-04-30): in the store's order
(by id) the store reads only the page, from wherever it starts (keyset tokens); a sorted
listing is sorted whole and paged by offset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from packyard.domain.registry import Version
from packyard.services import versions
from packyard.wire.http import Pagination, keyset_pagination, page_ask, paginate, sort
from packyard.wire.routing import Call


def version_page(
    call: Call,
    bucket_name: str,
    sort_keys: dict[str, Callable[[Version], Any]],
    *,
    complete_only: bool = False,
) -> tuple[list[Version], Pagination]:
    request = call.request
    if request.query_params.getlist("sorting.order_by"):
        found = versions.list_versions(
            call.repo, call.scope, bucket_name=bucket_name, complete_only=complete_only
        )
        page, pagination = paginate(request, sort(request, found, sort_keys))
        return list(page), pagination
    ask = page_ask(request)
    read = versions.version_page(
        call.repo, call.scope, ask, bucket_name=bucket_name, complete_only=complete_only
    )
    return read.items, keyset_pagination(ask, [item.id for item in read.items], more=read.more)
