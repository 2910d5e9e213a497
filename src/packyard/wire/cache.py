"""An in-process cache of rendered hot reads, exact because the store says when it is stale.

Every write to a project's registry content bumps the registry's content version in the
same transaction. A cached answer is served only while the registry's (id, content
version) is the one it was rendered under, so a write through any process, replica or
API plane invalidates it. An answer that shows a scheduled revocation (a status that
changes with the clock) is kept only until that moment.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime

Stamp = tuple[str, int]


class ReadCache:
    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[Stamp, bytes, datetime | None]] = OrderedDict()

    def get(self, key: Hashable, stamp: Stamp, now: datetime) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != stamp or (entry[2] is not None and now >= entry[2]):
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(
        self, key: Hashable, stamp: Stamp, body: bytes, *, valid_until: datetime | None = None
    ) -> None:
        self._entries[key] = (stamp, body, valid_until)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
