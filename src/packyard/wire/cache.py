"""An in-process cache of rendered hot reads, exact because the store says when it is stale.

Every write to a project's registry content bumps the registry's content version in the
same transaction. A cached answer is served only while the registry's (id, content
version) is the one it was rendered under, so a write through any process, replica or
API plane invalidates it. An answer that shows a scheduled revocation (a status that
changes with the clock) is kept only until that moment.

The cache is bounded in bytes (answers and keys), the least recently used going first, and
an answer above its own bound is not kept at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Gauge

Stamp = tuple[str, int]

ENTRY_OVERHEAD = 256
"""Bytes an entry costs beside its answer and key: the entry's objects and its place in order."""

CACHE_BYTES = Gauge("packyard_read_cache_bytes", "Bytes the read cache holds (this process)")
CACHE_ENTRIES = Gauge("packyard_read_cache_entries", "Answers the read cache holds (this process)")


@dataclass(frozen=True)
class _Entry:
    stamp: Stamp
    body: bytes
    valid_until: datetime | None
    size: int


def entry_size(key: Hashable, body: bytes) -> int:
    return len(body) + len(repr(key)) + ENTRY_OVERHEAD


class ReadCache:
    def __init__(self, max_bytes: int, *, max_answer_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_answer_bytes = min(max_answer_bytes, max_bytes)
        self.bytes = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(
        self, key: Hashable, stamp: Stamp, now: datetime | Callable[[], datetime]
    ) -> bytes | None:
        """The answer kept under `key` for this stamp and still valid `now` (a clock is
        asked only for an answer that shows a scheduled revocation)."""
        entry = self._entries.get(key)
        if entry is None or entry.stamp != stamp:
            return None
        if entry.valid_until is not None:
            if callable(now):
                now = now()
            if now >= entry.valid_until:
                return None
        self._entries.move_to_end(key)
        return entry.body

    def put(
        self, key: Hashable, stamp: Stamp, body: bytes, *, valid_until: datetime | None = None
    ) -> None:
        self._drop(key)  # whatever was kept under this key is stale now
        size = entry_size(key, body)
        if len(body) <= self.max_answer_bytes and size <= self.max_bytes:
            self._entries[key] = _Entry(stamp, body, valid_until, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
        CACHE_BYTES.set(self.bytes)
        CACHE_ENTRIES.set(len(self._entries))

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry.size
