"""A write whose uniqueness the store guards, its clash answered in the registry's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from packyard.errors import AlreadyExists
from packyard.store.engine import translate

T = TypeVar("T")


def unique(write: Callable[[], T], message: str) -> T:
    """Run an insert whose uniqueness the store guards: a clash is AlreadyExists with the
    caller's message; any other broken constraint is what translate makes of it (the one
    mapping of the store's integrity errors)."""
    try:
        return write()
    except IntegrityError as exc:
        mapped = translate(exc)
        if mapped is None or isinstance(mapped, AlreadyExists):
            raise AlreadyExists(message) from exc
        raise mapped from exc
