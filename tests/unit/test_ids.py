"""Identifiers whose order must follow the order of their writes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from ulid import ULID

from packyard.ids import new_id, new_id_after, rfc3339


def test_new_id_after_sorts_after_a_newer_clock():
    """An id made on a host whose clock is behind still sorts after the entry before it."""
    ahead = str(ULID.from_timestamp(ULID().timestamp + 3600))
    made = new_id_after(ahead)
    assert made > ahead and len(made) == 26
    assert ULID.from_str(made).timestamp == ULID.from_str(ahead).timestamp


def test_new_id_after_an_older_id_is_a_fresh_one():
    older = new_id()
    assert new_id_after(older) > older
    assert ULID.from_str(new_id_after(older)).timestamp >= ULID.from_str(older).timestamp


def test_ids_made_in_a_row_sort_in_the_order_they_were_made():
    """Records listed by id (a build's artifacts, say) keep the order they were written in,
    however many are made within one millisecond."""
    made = [new_id() for _ in range(5000)]
    assert made == sorted(made) and len(set(made)) == len(made)


def test_rfc3339_spells_every_moment_as_the_strftime_spelling_does() -> None:
    def spelled(moment: datetime) -> str:
        value = moment.astimezone(UTC)
        return f"{value.year:04d}-{value:%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"

    chance = random.Random(7)
    moments = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(50, 2, 3, 4, 5, 6, 999, tzinfo=UTC),
        datetime(2026, 12, 1, 16, 0, 0, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 123456, tzinfo=UTC),
        datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
    ]
    start = datetime(1970, 1, 1, tzinfo=UTC)
    moments += [start + timedelta(microseconds=chance.randrange(2**55)) for _ in range(5000)]
    for moment in moments:
        assert rfc3339(moment) == spelled(moment), moment
        assert rfc3339(moment) == spelled(moment), moment  # and again, as kept
