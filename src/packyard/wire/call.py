"""The request context a handler is given: one request inside its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from starlette.requests import Request

from packyard.config import Settings
from packyard.domain.identity import Actor, Scope
from packyard.services.work import Work


class Read(Protocol):
    """What a read use case answers: its records, and when an answer rendered from them
    goes stale (None: only a write makes it stale)."""

    @property
    def valid_until(self) -> datetime | None: ...


R = TypeVar("R", bound=Read)


@dataclass
class Call:
    """One request as a use case sees it, inside its transaction."""

    request: Request
    actor: Actor
    scope: Scope
    params: dict[str, str]
    work: Work  # the request's transaction and the store's gateways over it
    now: datetime
    settings: Settings
    body: Any = None
    valid_until: datetime | None = None  # when a cached rendering of this answer goes stale

    @property
    def repo(self) -> Work:
        """The request's unit of work, by the name the handlers know it by."""
        return self.work

    def param(self, name: str) -> str:
        return self.params[name]

    def answers(self, read: R) -> R:
        """Note the read the answer renders: a cached rendering is kept only until the
        earliest moment a read it shows goes stale."""
        until = read.valid_until
        if until is not None and (self.valid_until is None or until < self.valid_until):
            self.valid_until = until
        return read
