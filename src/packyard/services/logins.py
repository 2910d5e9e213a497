"""The one login throttle of a server process, shared by every door a secret comes in by.

The token endpoint, the console's sign-in and the workload identity token exchange all
check and count failures in the same `LoginThrottle`, so a guesser who switches doors keeps
the budget it spent at the others: the count per source address is one count, and so is
the count per (name, address) for a name used at more than one door.
"""

from __future__ import annotations

from packyard.config import LoginSettings
from packyard.domain.throttle import LoginThrottle, ThrottleLimits


def login_throttle(settings: LoginSettings) -> LoginThrottle:
    """The throttle the settings describe; the app makes one and every door uses it."""
    return LoginThrottle(
        ThrottleLimits(
            per_client_address=settings.failures_per_client_address,
            per_client=settings.failures_per_client,
            per_address=settings.failures_per_address,
            window_seconds=settings.window_seconds,
        )
    )
