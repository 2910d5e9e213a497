"""The read cache answers only for the content version it was filled under, and in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from packyard.wire.cache import ReadCache

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_stale_stamp_misses():
    cache = ReadCache()
    cache.put("k", ("reg", 1), b"one")
    assert cache.get("k", ("reg", 1), NOW) == b"one"
    assert cache.get("k", ("reg", 2), NOW) is None
    assert cache.get("k", ("other-registry", 1), NOW) is None


def test_clock_dependent_answers_expire():
    cache = ReadCache()
    cache.put("k", ("reg", 1), b"scheduled", valid_until=NOW + timedelta(seconds=5))
    assert cache.get("k", ("reg", 1), NOW + timedelta(seconds=4)) == b"scheduled"
    assert cache.get("k", ("reg", 1), NOW + timedelta(seconds=5)) is None


def test_capacity_evicts_least_recent():
    cache = ReadCache(capacity=2)
    cache.put("a", ("r", 1), b"a")
    cache.put("b", ("r", 1), b"b")
    cache.get("a", ("r", 1), NOW)
    cache.put("c", ("r", 1), b"c")
    assert cache.get("b", ("r", 1), NOW) is None
    assert cache.get("a", ("r", 1), NOW) == b"a"
