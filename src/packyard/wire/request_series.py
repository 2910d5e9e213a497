"""The request series /metrics lists: every API request and console page counted by
operation and status, and timed in a latency histogram by operation.

They are kept as plain numbers and handed to prometheus_client as a custom collector, read
when /metrics is asked. prometheus_client's own Counter and Histogram take a lock for each
increment, three a request: about 3 µs on a 2-core machine, more than a cached read's own
look-ups cost. Every request is counted on its worker's event loop, the thread /metrics is
answered on too, so plain numbers need no lock.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""The latency histogram's upper bounds in seconds (and +Inf above the last)."""
_LE = (*(repr(bound) for bound in BUCKETS), "+Inf")  # as prometheus_client spells them


class Series:
    """One operation's count by status and its latency histogram."""

    __slots__ = ("buckets", "operation", "statuses", "total")

    def __init__(self, operation: str) -> None:
        self.operation = operation
        self.statuses: dict[int, list[float]] = {}  # status -> [count, first seen]
        self.buckets = [0] * (len(BUCKETS) + 1)  # each bound's own count, not cumulative
        self.total = 0.0

    def observe(self, status: int, seconds: float) -> None:
        counted = self.statuses.get(status)
        if counted is None:
            counted = self.statuses[status] = [0, time.time()]
        counted[0] += 1
        self.buckets[bisect_left(BUCKETS, seconds)] += 1  # a bound counts what is <= it
        self.total += seconds


class RequestSeries(Collector):
    """Every operation's series, each listed from its first request on."""

    def __init__(self) -> None:
        self._series: dict[str, Series] = {}

    def of(self, operation: str) -> Series:
        found = self._series.get(operation)
        if found is None:
            found = self._series[operation] = Series(operation)
        return found

    def collect(self) -> Iterator[Metric]:
        requests = CounterMetricFamily(
            "packyard_requests",
            "API requests by operation and status",
            labels=["operation", "status"],
        )
        latency = HistogramMetricFamily(
            "packyard_request_seconds", "API request latency by operation", labels=["operation"]
        )
        for series in list(self._series.values()):
            for status, (count, created) in sorted(series.statuses.items()):
                requests.add_metric([series.operation, str(status)], count, created=created)
            cumulative, running = [], 0
            for bound, count in zip(_LE, series.buckets, strict=True):
                running += count
                cumulative.append((bound, float(running)))
            latency.add_metric([series.operation], cumulative, series.total)
        yield requests
        yield latency


REQUEST_SERIES = RequestSeries()
REGISTRY.register(REQUEST_SERIES)
