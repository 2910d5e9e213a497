"""Login throttling: failed credential checks counted per client id and source address.

Failures are counted three ways: per (client id, source address), with a low limit; per
client id from anywhere, with a higher one, so a flood from many addresses is still limited;
and per source address across client ids. Someone who knows a client id and fails with it
on purpose thus locks out only their own address's use of it, and the id's owner, from its
usual address, still gets in.

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
    per_client_address: int = 10  # failed logins of one client id from one address
    per_client: int = 100  # failed logins of one client id from any address
    per_address: int = 30  # failed logins from one source address, any client id
    window_seconds: float = 60.0
    max_keys: int = 10_000  # the oldest keys are forgotten past this, bounding memory


Key = str | tuple[str, str]


class _Window:
    """Failure times per key within a sliding window, for at most `max_keys` keys."""

    def __init__(self, limit: int, window: float, max_keys: int) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.failures: OrderedDict[Key, deque[float]] = OrderedDict()

    def _recent(self, key: Key, now: float) -> deque[float] | None:
        times = self.failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self.failures[key]
            return None
        return times

    def wait(self, key: Key, now: float) -> float:
        """Seconds until `key` may try again (0 when it may now)."""
        times = self._recent(key, now)
        if times is None or len(times) < self.limit:
            return 0.0
        return times[-self.limit] + self.window - now

    def add(self, key: Key, now: float) -> None:
        times = self._recent(key, now) or deque(maxlen=self.limit)
        times.append(now)
        self.failures[key] = times
        self.failures.move_to_end(key)
        while len(self.failures) > self.max_keys:
            self.failures.popitem(last=False)

    def clear(self, key: Key) -> None:
        self.failures.pop(key, None)


KEY_CHARS = 128  # a longer client id is counted by its start, so keys stay small


class LoginThrottle:
    """Answers whether a login attempt may be checked, and learns from its outcome."""

    def __init__(self, limits: ThrottleLimits) -> None:
        self.limits = limits
        window, keys = limits.window_seconds, limits.max_keys
        self._pairs = _Window(limits.per_client_address, window, keys)
        self._clients = _Window(limits.per_client, window, keys)
        self._addresses = _Window(limits.per_address, window, keys)

    def _keys(self, client_id: str, address: str) -> tuple[tuple[str, str], str, str]:
        client, source = client_id[:KEY_CHARS], address[:KEY_CHARS]
        return (client, source), client, source

    def retry_after(self, client_id: str, address: str, now: float) -> int:
        """Whole seconds the caller must wait before this attempt is checked; 0 if none."""
        pair, client, source = self._keys(client_id, address)
        wait = max(
            self._pairs.wait(pair, now),
            self._clients.wait(client, now),
            self._addresses.wait(source, now),
        )
        return max(1, math.ceil(wait)) if wait > 0 else 0

    def failed(self, client_id: str, address: str, now: float) -> None:
        pair, client, source = self._keys(client_id, address)
        self._pairs.add(pair, now)
        self._clients.add(client, now)
        self._addresses.add(source, now)

    def succeeded(self, client_id: str, address: str) -> None:
        """The secret was right: the caller's earlier mistakes from there no longer count.

        The client id keeps the failures from elsewhere, and the address its count across
        client ids, so one known key cannot launder guesses at others.
        """
        self._pairs.clear(self._keys(client_id, address)[0])
