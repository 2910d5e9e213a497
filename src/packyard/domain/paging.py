"""A page of a list in the store's order (by id), as a list request asks for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PageAsk:
    """The first page, the one after an item's id or the one before it (keyset pages), or
    the one at an offset (a token handed out before keyset pages, or by a sorted listing);
    `size` items at most."""

    size: int
    after: str | None = None
    before: str | None = None
    offset: int | None = None

    @property
    def first(self) -> bool:
        return self.after is None and self.before is None and not self.offset


@dataclass
class Page(Generic[T]):
    """The items of a page in id order; `more`: items lie beyond it in the direction it was
    read (after it, or before it for a page asked before an id)."""

    items: list[T]
    more: bool
