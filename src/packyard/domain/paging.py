"""A page of a list in the store's order (by id), or of a list sorted whole, as a list request
asks for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

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


@dataclass(frozen=True)
class SortedAsk:
    """A listing sorted whole by fields (each a field name and whether it is descending, the
    first deciding first), and the `size` items from `start`."""

    orders: tuple[tuple[str, bool], ...]
    start: int
    size: int

    def window(self, items: Sequence[T]) -> tuple[list[T], bool]:
        """The asked items, and whether more follow them."""
        end = self.start + self.size
        return list(items[self.start : end]), end < len(items)


ListAsk = PageAsk | SortedAsk


def sorted_by(
    items: Sequence[T], orders: Sequence[tuple[str, bool]], keys: Mapping[str, Callable[[T], Any]]
) -> list[T]:
    """The items sorted by each order in turn, stably (so the first order decides first)."""
    found = list(items)
    for name, descending in reversed(orders):
        found = sorted(found, key=keys[name], reverse=descending)
    return found
