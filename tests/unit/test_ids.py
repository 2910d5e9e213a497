"""Identifiers whose order must follow the order of their writes."""

from __future__ import annotations

from ulid import ULID

from packyard.ids import new_id, new_id_after


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
