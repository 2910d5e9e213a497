"""Keyset pages: a page of a list in id order is one index range read, wherever it starts.

A page after an id reads the `size + 1` rows that follow it, a page before an id the
`size + 1` rows that precede it (read backwards, then turned round); the extra row only
says whether more lie beyond. An offset (a token handed out before keyset pages) is read
with OFFSET once; the tokens the page then hands out are keyset ones. The three statements
of a list's pages are built once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, Integer, Select, bindparam

from packyard.domain.paging import Page, PageAsk
from packyard.store.prebuilt import Prebuilt

T = TypeVar("T")


_SIZE = bindparam("page_size", type_=Integer)
_OFFSET = bindparam("page_offset", type_=Integer)


class Keyset:
    """The pages of one list: `query` (its filters, no order, one of them `within` equal to
    one bound value) ordered by `key`. The order names `within` first, which changes nothing
    in the rows' order but is the (within, key) index's own, so that PostgreSQL's planner
    walks that index rather than the key's alone (filtering out, say, every other bucket's
    versions made before this bucket's)."""

    def __init__(self, query: Select[Any], key: Column[Any], *, within: Column[Any]) -> None:
        forwards = query.order_by(within, key).limit(_SIZE)
        self._first = Prebuilt(forwards.offset(_OFFSET))
        self._after = Prebuilt(forwards.where(key > bindparam("page_after")))
        self._before = Prebuilt(
            query.where(key < bindparam("page_before"))
            .order_by(within.desc(), key.desc())
            .limit(_SIZE)
        )

    def read(
        self,
        conn: Connection,
        params: dict[str, Any],
        ask: PageAsk,
        mapper: Callable[[Any], T],
    ) -> Page[T]:
        """The page `ask` names, with the query's own parameters `params`."""
        bound = {**params, "page_size": ask.size + 1}
        if ask.before is not None:
            found = self._before.run(conn, {**bound, "page_before": ask.before})
        elif ask.after is not None:
            found = self._after.run(conn, {**bound, "page_after": ask.after})
        else:
            found = self._first.run(conn, {**bound, "page_offset": ask.offset or 0})
        rows = [mapper(row) for row in found]
        more = len(rows) > ask.size
        del rows[ask.size :]
        if ask.before is not None:
            rows.reverse()
        return Page(rows, more)
