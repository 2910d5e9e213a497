"""Login secret checks, run in worker threads so that argon2 never holds up the event loop."""

from __future__ import annotations

import anyio
import anyio.to_thread

from packyard.auth import principals, users
from packyard.auth.principals import StoredSecret, authenticated


class SecretChecks:
    """Checks login secrets in worker threads, at most `concurrency` at once per process.

    Other requests go on while a check runs; logins beyond the bound wait their turn
    (argon2 is CPU- and memory-bound, so more at once would only slow every one).
    """

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self._limiter: anyio.CapacityLimiter | None = None  # made on the serving event loop

    def _limit(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.concurrency)
        return self._limiter

    async def hashed(self, password: str) -> str:
        """A new password's argon2id hash, made in a worker thread under the same bound."""
        return await anyio.to_thread.run_sync(users.hash_password, password, limiter=self._limit())

    async def principal(self, stored: StoredSecret, client_secret: str) -> tuple[str, int]:
        """The principal id and secret generation, or Unauthenticated."""
        matches = await anyio.to_thread.run_sync(
            principals.secret_matches, stored.secret_hash, client_secret, limiter=self._limit()
        )
        return authenticated(stored, matches)
