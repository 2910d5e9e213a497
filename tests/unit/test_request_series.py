"""The request series list what prometheus_client's own Counter and Histogram would list
for the same requests (the exposition /metrics scrapers already read)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from packyard.wire.request_series import BUCKETS, RequestSeries

ASKED = [
    ("v2023.GetVersion", 200, 0.0003),
    ("v2023.GetVersion", 200, 0.0005),  # on a bound: counted in that bound's bucket
    ("v2023.GetVersion", 404, 0.0011),
    ("v2023.GetVersion", 200, 3.0),  # above every bound: only in +Inf
    ("v2021.GetIteration", 500, 0.25),
]


def _listed(registry: CollectorRegistry) -> list[str]:
    text = generate_latest(registry).decode()
    return sorted(line for line in text.splitlines() if line and "_created" not in line)


def test_the_same_lines_as_prometheus_clients_own_metrics():
    theirs = CollectorRegistry()
    counter = Counter(
        "packyard_requests_total",
        "API requests by operation and status",
        ["operation", "status"],
        registry=theirs,
    )
    histogram = Histogram(
        "packyard_request_seconds",
        "API request latency by operation",
        ["operation"],
        buckets=BUCKETS,
        registry=theirs,
    )
    ours = CollectorRegistry()
    series = RequestSeries()
    ours.register(series)
    for operation, status, seconds in ASKED:
        counter.labels(operation, str(status)).inc()
        histogram.labels(operation).observe(seconds)
        series.of(operation).observe(status, seconds)
    assert _listed(ours) == _listed(theirs)
    text = generate_latest(ours).decode()
    assert 'packyard_request_seconds_bucket{le="0.0005",operation="v2023.GetVersion"} 2.0' in text
    assert 'packyard_requests_total{operation="v2023.GetVersion",status="200"} 3.0' in text
    assert 'packyard_requests_created{operation="v2023.GetVersion",status="404"}' in text


def test_an_operation_is_listed_from_its_first_request():
    registry = CollectorRegistry()
    series = RequestSeries()
    registry.register(series)
    assert "GetVersion" not in generate_latest(registry).decode()
    series.of("v2023.GetVersion").observe(200, 0.001)
    assert 'operation="v2023.GetVersion"' in generate_latest(registry).decode()
