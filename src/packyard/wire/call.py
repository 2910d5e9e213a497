"""The request context a handler is given: one request inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request

from packyard.config import Settings
from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import Version
from packyard.services.work import Work


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

    def shows_each(self, versions: Iterable[Version | None]) -> None:
        for version in versions:
            self.shows(version)

    def shows(self, version: Version | None) -> None:
        """Note a rendered version whose status will change at its scheduled revocation."""
        if version is not None and version.revocation_scheduled(self.now):
            assert version.revoke_at is not None
            if self.valid_until is None or version.revoke_at < self.valid_until:
                self.valid_until = version.revoke_at
