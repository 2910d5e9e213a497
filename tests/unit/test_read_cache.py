"""The read cache answers only for the content version it was filled under, and in time, and
holds no more than its bound in bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from packyard.wire.cache import ReadCache, entry_size

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_stale_stamp_misses():
    cache = ReadCache(1 << 20, max_answer_bytes=1 << 20)
    cache.put("k", ("reg", 1), b"one")
    assert cache.get("k", ("reg", 1), NOW) == b"one"
    assert cache.get("k", ("reg", 2), NOW) is None
    assert cache.get("k", ("other-registry", 1), NOW) is None


def test_clock_dependent_answers_expire():
    cache = ReadCache(1 << 20, max_answer_bytes=1 << 20)
    cache.put("k", ("reg", 1), b"scheduled", valid_until=NOW + timedelta(seconds=5))
    assert cache.get("k", ("reg", 1), NOW + timedelta(seconds=4)) == b"scheduled"
    assert cache.get("k", ("reg", 1), NOW + timedelta(seconds=5)) is None


def test_a_clock_is_asked_only_for_an_answer_that_expires():
    cache = ReadCache(1 << 20, max_answer_bytes=1 << 20)
    cache.put("plain", ("reg", 1), b"plain")
    cache.put("scheduled", ("reg", 1), b"scheduled", valid_until=NOW + timedelta(seconds=5))
    asked: list[datetime] = []

    def clock(at: datetime) -> datetime:
        asked.append(at)
        return at

    assert cache.get("plain", ("reg", 1), lambda: clock(NOW)) == b"plain"
    assert asked == []
    assert cache.get("scheduled", ("reg", 1), lambda: clock(NOW)) == b"scheduled"
    assert cache.get("scheduled", ("reg", 1), lambda: clock(NOW + timedelta(seconds=5))) is None
    assert asked == [NOW, NOW + timedelta(seconds=5)]


def test_the_byte_bound_evicts_least_recent():
    size = entry_size("a", b"x" * 100)
    cache = ReadCache(2 * size, max_answer_bytes=1 << 20)
    cache.put("a", ("r", 1), b"x" * 100)
    cache.put("b", ("r", 1), b"y" * 100)
    cache.get("a", ("r", 1), NOW)
    cache.put("c", ("r", 1), b"z" * 100)
    assert cache.get("b", ("r", 1), NOW) is None
    assert cache.get("a", ("r", 1), NOW) == b"x" * 100
    assert len(cache) == 2 and cache.bytes == 2 * size


def test_many_answers_never_hold_more_than_the_bound():
    cache = ReadCache(10_000, max_answer_bytes=1_000)
    for number in range(1_000):
        cache.put(f"key-{number}", ("r", 1), b"x" * (number % 900))
        assert cache.bytes <= 10_000
    assert cache.bytes == sum(entry_size(key, cache._entries[key].body) for key in cache._entries)


def test_an_answer_above_its_bound_is_not_kept_and_forgets_the_stale_one():
    cache = ReadCache(1 << 20, max_answer_bytes=1_000)
    cache.put("k", ("r", 1), b"small")
    cache.put("k", ("r", 2), b"x" * 1_001)
    assert cache.get("k", ("r", 2), NOW) is None
    assert cache.get("k", ("r", 1), NOW) is None
    assert len(cache) == 0 and cache.bytes == 0
    cache.put("k", ("r", 2), b"x" * 1_000)
    assert cache.get("k", ("r", 2), NOW) == b"x" * 1_000


def test_a_bound_of_zero_keeps_nothing():
    cache = ReadCache(0, max_answer_bytes=1 << 20)
    cache.put("k", ("r", 1), b"answer")
    assert cache.get("k", ("r", 1), NOW) is None and cache.bytes == 0
