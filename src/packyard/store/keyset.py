"""Keyset pages: a page of a list in id order is one index range read, wherever it starts.

A page after an id reads the `size + 1` rows that follow it, a page before an id the
`size + 1` rows that precede it (read backwards, then turned round); the extra row only
says whether more lie beyond. An offset (a token handed out before keyset pages) is read
with OFFSET once; the tokens the page then hands out are keyset ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, Select

from packyard.domain.paging import Page, PageAsk

T = TypeVar("T")


def read_page(
    conn: Connection,
    query: Select[Any],
    key: Column[Any],
    ask: PageAsk,
    mapper: Callable[[Any], T],
    *,
    within: Column[Any],
) -> Page[T]:
    """The page `ask` names of `query` (its filters, no order, one of them `within` equal to
    one value) ordered by `key`. The order names `within` first, which changes nothing in
    the rows' order but is the (within, key) index's own, so that PostgreSQL's planner
    walks that index rather than the key's alone (filtering out, say, every other bucket's
    versions made before this bucket's)."""
    if ask.before is not None:
        query = query.where(key < ask.before).order_by(within.desc(), key.desc())
    elif ask.after is not None:
        query = query.where(key > ask.after).order_by(within, key)
    else:
        query = query.order_by(within, key).offset(ask.offset or None)
    rows = [mapper(row) for row in conn.execute(query.limit(ask.size + 1))]
    more = len(rows) > ask.size
    del rows[ask.size :]
    if ask.before is not None:
        rows.reverse()
    return Page(rows, more)
