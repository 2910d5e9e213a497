"""Login secret checks, run in worker threads so that argon2 never holds up the event loop,
at most so many at once per process whichever door a login comes in by."""

from __future__ import annotations

import anyio
import anyio.to_thread

from packyard.auth import principals, users
from packyard.auth.principals import StoredSecret, authenticated
from packyard.services.work import Store, unit_of_work


class SecretChecks:
    """Checks login secrets in worker threads, at most `concurrency` at once per process.

    The app makes one (`Services.secret_checks`) and every door checks in it: the token
    endpoint and the console's sign-in (and a new password's hashing) share the bound.
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

    async def client(self, store: Store, client_id: str, client_secret: str) -> tuple[str, int]:
        """A token request's principal id and secret generation, or Unauthenticated."""
        with unit_of_work(store) as work:
            stored = principals.stored_secret(work, client_id=client_id)
        return await self.principal(stored, client_secret)

    async def user(self, store: Store, name: str, password: str) -> tuple[str, int]:
        """A sign-in's user (its principal id and secret generation), or Unauthenticated."""
        with unit_of_work(store) as work:
            stored = users.password_of(work, name)
        return await self.principal(stored, password)
