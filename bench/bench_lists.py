"""Benchmark of list reads (not a test): ListBuckets beside GetVersion, in server time.

    python bench/bench_lists.py [--requests 200] [--read-cache-bytes N]

Seeds one bucket with a version of 10 builds x 3 artifacts (bench_2023's seed) and 50 empty
buckets, then 949 more, through the API. At 51 and at 1,000 buckets, each plane's ListBuckets
(its first page: 100 buckets, or all 51) and GetVersion / GetIteration by fingerprint are
asked `--requests` times one after another, and the mean server time of each comes from the
server's own latency histogram. GetVersion is a cached read unless --read-cache-bytes 0.
"""

from __future__ import annotations

import argparse
import os

from bench_2023 import seed
from harness import _server_seconds, live_api
from tests.support.server import ApiClient


def mean_server_ms(api: ApiClient, operation: str, path: str, requests: int) -> float:
    api.http.get(path).raise_for_status()  # warm: the first read fills the cache
    before = _server_seconds(api).get(operation, (0.0, 0.0))
    for _ in range(requests):
        api.http.get(path).raise_for_status()
    after = _server_seconds(api)[operation]
    return 1000 * (after[0] - before[0]) / (after[1] - before[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--read-cache-bytes", type=int, default=None)
    args = parser.parse_args()
    if args.read_cache_bytes is not None:
        os.environ["PACKYARD_READ_CACHE_BYTES"] = str(args.read_cache_bytes)
    with live_api() as api:
        seed(api)
        routes = {
            "v2023.ListBuckets": api.v2 + "/buckets",
            "v2023.GetVersion": api.v2 + "/buckets/bench/versions/hot",
            "ListBuckets": api.v1 + "/images",
            "GetIteration": api.v1 + "/images/bench/iteration?fingerprint=hot",
        }
        print("\n| buckets | operation | mean server ms | / GetVersion (same plane) |")
        print("|---|---|---|---|")
        made = 1
        for total in (51, 1000):
            for n in range(made, total):
                api.http.put(api.v2 + "/buckets", json={"name": f"b{n:04d}"}).raise_for_status()
            made = total
            ms = {op: mean_server_ms(api, op, path, args.requests) for op, path in routes.items()}
            for lister, getter in (
                ("v2023.ListBuckets", "v2023.GetVersion"),
                ("ListBuckets", "GetIteration"),
            ):
                for op in (lister, getter):
                    ratio = f"{ms[lister] / ms[getter]:.1f}x" if op == lister else ""
                    print(f"| {total} | {op} | {ms[op]:.2f} | {ratio} |")


if __name__ == "__main__":
    main()
