"""Identifiers and clocks: ULIDs for registry records, UUIDs for tenants."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime
from functools import lru_cache

from ulid import ULID

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]  # every 10 bits as two characters


def new_id() -> str:
    """A ULID for a registry record: ids made in one process sort in the order they were
    made, even within a millisecond (python-ulid's monotonic policy), so lists ordered by
    id keep their writes' order."""
    return str(ULID())


def new_request_id() -> str:
    """A ULID-spelled id for a request's log line and X-Request-Id: only unique, not
    ordered, so made here in 13 table look-ups (every request takes one). Its 80 random bits
    come from the process's own generator (seeded from the system's at start and again in
    each forked worker), not a system call per request: an id names a request, it guards
    nothing."""
    n = (time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)
    pairs = _PAIRS
    return (
        pairs[n >> 120]
        + pairs[(n >> 110) & 1023]
        + pairs[(n >> 100) & 1023]
        + pairs[(n >> 90) & 1023]
        + pairs[(n >> 80) & 1023]
        + pairs[(n >> 70) & 1023]
        + pairs[(n >> 60) & 1023]
        + pairs[(n >> 50) & 1023]
        + pairs[(n >> 40) & 1023]
        + pairs[(n >> 30) & 1023]
        + pairs[(n >> 20) & 1023]
        + pairs[(n >> 10) & 1023]
        + pairs[n & 1023]
    )


def new_id_after(previous: str) -> str:
    """A ULID that sorts after `previous`, for entries whose order must follow their writes."""
    candidate = new_id()
    return (
        candidate if candidate > previous else str(ULID.from_int(int(ULID.from_str(previous)) + 1))
    )


def new_uuid() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8192)
def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision (truncated) and a Z suffix. Kept for the
    moments seen last: a page of buckets spells two a bucket, the same on every read."""
    value = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def parse_rfc3339(text: str) -> datetime | None:
    """Parse an RFC 3339 timestamp; Go's zero time (what clients send for "unset") is None."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return None if value <= ZERO_TIME else value
