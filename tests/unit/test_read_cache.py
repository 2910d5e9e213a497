"""The read cache answers only for the content version it was filled under."""

from __future__ import annotations

from packyard.wire.cache import ReadCache


def test_stale_stamp_misses():
    cache = ReadCache()
    cache.put("k", ("reg", 1), b"one")
    assert cache.get("k", ("reg", 1)) == b"one"
    assert cache.get("k", ("reg", 2)) is None
    assert cache.get("k", ("other-registry", 1)) is None


def test_capacity_evicts_least_recent():
    cache = ReadCache(capacity=2)
    cache.put("a", ("r", 1), b"a")
    cache.put("b", ("r", 1), b"b")
    cache.get("a", ("r", 1))
    cache.put("c", ("r", 1), b"c")
    assert cache.get("b", ("r", 1)) is None
    assert cache.get("a", ("r", 1)) == b"a"
