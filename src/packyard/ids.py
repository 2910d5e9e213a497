"""Identifiers and clocks: ULIDs for registry records, UUIDs for tenants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ulid import ULID


def new_id() -> str:
    return str(ULID())


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


def rfc3339(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a Z suffix."""
    value = moment.astimezone(UTC)
    return f"{value.year:04d}-{value:%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def parse_rfc3339(text: str) -> datetime | None:
    """Parse an RFC 3339 timestamp; Go's zero time (what clients send for "unset") is None."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return None if value <= ZERO_TIME else value
