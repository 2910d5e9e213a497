"""Login throttling: failed credential checks counted per client id and per source address.

Kept in memory by each server process; a key that collected `limit` failures within the
last `window_seconds` is refused until the oldest of them leaves the window. A refused
attempt is not checked at all, so a guesser cannot go on at the server's cost.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleLimits:
    per_client: int = 10  # failed logins of one client id within the window
    per_address: int = 30  # failed logins from one source address within the window
    window_seconds: float = 60.0
    max_keys: int = 10_000  # the oldest keys are forgotten past this, bounding memory


class _Window:
    """Failure times per key within a sliding window, for at most `max_keys` keys."""

    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()

    def _recent(self, key: str, now: float) -> deque[float] | None:
        times = self.failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self.failures[key]
            return None
        return times

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may try again (0 when it may now)."""
        times = self._recent(key, now)
        if times is None or len(times) < self.limit:
            return 0.0
        return times[-self.limit] + self.window - now

    def add(self, key: str, now: float) -> None:
        times = self._recent(key, now) or deque(maxlen=self.limit)
        times.append(now)
        self.failures[key] = times
        self.failures.move_to_end(key)
        while len(self.failures) > self.max_keys:
            self.failures.popitem(last=False)

    def clear(self, key: str) -> None:
        self.failures.pop(key, None)


KEY_CHARS = 128  # a longer client id is counted by its start, so keys stay small


class LoginThrottle:
    """Answers whether a login attempt may be checked, and learns from its outcome."""

    def __init__(self, limits: ThrottleLimits) -> None:
        self.limits = limits
        self._clients = _Window(limits.per_client, limits.window_seconds, limits.max_keys)
        self._addresses = _Window(limits.per_address, limits.window_seconds, limits.max_keys)

    def retry_after(self, client_id: str, address: str, now: float) -> int:
        """Whole seconds the caller must wait before this attempt is checked; 0 if none."""
        wait = max(
            self._clients.wait(client_id[:KEY_CHARS], now),
            self._addresses.wait(address[:KEY_CHARS], now),
        )
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, client_id: str, address: str, now: float) -> None:
        self._clients.add(client_id[:KEY_CHARS], now)
        self._addresses.add(address[:KEY_CHARS], now)

    def succeeded(self, client_id: str) -> None:
        """The secret was right: the client's earlier mistakes no longer count against it.

        The address keeps its count, so one known key cannot launder guesses at others.
        """
        self._clients.clear(client_id[:KEY_CHARS])
