"""Benchmark of reads at scale (not a test): the same reads on a small and a large store.

    python bench/bench_scale.py [--requests 200] [--backend sqlite|postgresql] [--cached]

Two servers run side by side, each on its own store filled by bench/seed_bulk.py (through
the store, not the API):

- small, 1k versions: 100 buckets x 10 versions x 3 builds x 1 artifact, and one bucket
  "deep00000" of 1,000 versions x 1 build;
- large, 100k versions: 1,000 buckets x 100 versions x 3 builds x 1 artifact, and one
  bucket "deep00000" of 1,000,000 versions x 1 build.

The same reads are asked of both, the two stores in turn for each read, in `--rounds`
rounds (so both see the same load on this shared machine): the first and a deep page
(reached with the page token the server hands out for it) of ListBuckets (2023 and 2021
planes; the deep page is the last page of wide buckets; the last page, which lists the
deep bucket, apart) and of ListVersions / ListIterations of the deep bucket (its last
page), all at pagination.page_size=20; GetBucket of the deep bucket; GetChannel of a wide
bucket and of the deep bucket, and GetVersion in the deep bucket. The read cache is off
unless --cached, so each request reads the store. Printed per read: the median over the
rounds of the server's mean time in a round (its own latency histogram) on each store and
their ratio, and the client-side p50 / p99; then each store's size on disk. The two reads
that summarize the deep bucket are asked once a round.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from harness import _server_seconds
from seed_bulk import seed
from sqlalchemy import Engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import ApiClient, LiveServer, running_server

from packyard.store.engine import make_engine
from packyard.store.tables import buckets, versions

PAGE = 20
SMALL = {"wide": (100, 10, 3, 1), "deep": (1, 1_000, 1, 0)}
LARGE = {"wide": (1_000, 100, 3, 1), "deep": (1, 1_000_000, 1, 0)}


def _offset_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def deep_token(engine: Engine, project_id: str, bucket: str | None, position: int) -> str:
    """The next-page token the server hands out for the page that starts at `position`:
    after the item just before it (keyset), or its offset on a server that pages by offset."""
    from packyard.wire import http

    after = getattr(http, "page_token_after", None)
    if after is None:
        return _offset_token(position)
    with engine.connect() as conn:
        if bucket is None:
            query = select(buckets.c.id).where(buckets.c.project_id == project_id)
            query = query.order_by(buckets.c.id)
        else:
            query = (
                select(versions.c.id)
                .join(buckets, buckets.c.id == versions.c.bucket_id)
                .where(buckets.c.project_id == project_id, buckets.c.name == bucket)
                .order_by(versions.c.id)
            )
        last = conn.execute(query.offset(position - 1).limit(1)).scalar_one()
    return str(after(last))


def size_on_disk(server: LiveServer, engine: Engine) -> str:
    if server.database:
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        return f"{size / 2**20:.0f} MiB (pg_database_size)"
    files = list(server.data_dir.glob("packyard.db*"))
    return f"{sum(f.stat().st_size for f in files) / 2**20:.0f} MiB (packyard.db, -wal, -shm)"


@contextmanager
def store_server(root: Path, backend: str, stack: ExitStack) -> Iterator[LiveServer]:
    database = None
    if backend == "postgresql":
        from tests.support.postgres import throwaway_cluster

        database = stack.enter_context(throwaway_cluster()).create_database()
    with running_server(root, database=database) as server:
        yield server


def routes(
    api: ApiClient, engine: Engine, project_id: str, shape: dict[str, tuple[int, int, int, int]]
) -> dict[str, tuple[str, str]]:
    """label: (operation, path) of every read, deep tokens taken from this store."""
    total_buckets = shape["wide"][0] + shape["deep"][0]
    deep_versions = shape["deep"][1]
    page = f"pagination.page_size={PAGE}"
    b_deep = deep_token(engine, project_id, None, shape["wide"][0] - PAGE)
    b_last = deep_token(engine, project_id, None, total_buckets - PAGE)
    v_deep = deep_token(engine, project_id, "deep00000", deep_versions - PAGE)
    wide = f"b{shape['wide'][0] // 2:05d}"
    return {
        "ListBuckets 2023, first page": ("v2023.ListBuckets", f"{api.v2}/buckets?{page}"),
        "ListBuckets 2023, deep page": (
            "v2023.ListBuckets",
            f"{api.v2}/buckets?{page}&pagination.next_page_token={b_deep}",
        ),
        "ListBuckets 2021, first page": ("ListBuckets", f"{api.v1}/images?{page}"),
        "ListBuckets 2021, deep page": (
            "ListBuckets",
            f"{api.v1}/images?{page}&pagination.next_page_token={b_deep}",
        ),
        "ListBuckets 2023, last page (with the deep bucket)": (
            "v2023.ListBuckets",
            f"{api.v2}/buckets?{page}&pagination.next_page_token={b_last}",
        ),
        "GetBucket 2023, deep bucket": ("v2023.GetBucket", f"{api.v2}/buckets/deep00000"),
        "ListVersions, first page": (
            "v2023.ListVersions",
            f"{api.v2}/buckets/deep00000/versions?{page}",
        ),
        "ListVersions, deep page": (
            "v2023.ListVersions",
            f"{api.v2}/buckets/deep00000/versions?{page}&pagination.next_page_token={v_deep}",
        ),
        "ListIterations, first page": (
            "ListIterations",
            f"{api.v1}/images/deep00000/iterations?{page}",
        ),
        "ListIterations, deep page": (
            "ListIterations",
            f"{api.v1}/images/deep00000/iterations?{page}&pagination.next_page_token={v_deep}",
        ),
        "GetChannel 2023, wide bucket": (
            "v2023.GetChannel",
            f"{api.v2}/buckets/{wide}/channels/prod",
        ),
        "GetChannel 2023, deep bucket": (
            "v2023.GetChannel",
            f"{api.v2}/buckets/deep00000/channels/prod",
        ),
        "GetChannel 2021, deep bucket": (
            "GetChannel",
            f"{api.v1}/images/deep00000/channels/prod",
        ),
        "GetVersion, deep bucket": (
            "v2023.GetVersion",
            f"{api.v2}/buckets/deep00000/versions/f{deep_versions - 1:07d}",
        ),
    }


TIMEOUT = 60.0


def measure(
    api: ApiClient, operation: str, path: str, requests: int
) -> tuple[float, list[float]] | None:
    """Mean server ms of `requests` asks of `path` (from the histogram) and each ask's ms;
    None when one ask takes longer than TIMEOUT seconds."""
    try:
        api.http.get(path, timeout=TIMEOUT).raise_for_status()
    except httpx.TimeoutException:
        return None
    before = _server_seconds(api).get(operation, (0.0, 0.0))
    took = []
    for _ in range(requests):
        started = time.perf_counter()
        try:
            api.http.get(path, timeout=TIMEOUT).raise_for_status()
        except httpx.TimeoutException:
            return None
        took.append(1000 * (time.perf_counter() - started))
    after = _server_seconds(api)[operation]
    return 1000 * (after[0] - before[0]) / (after[1] - before[1]), took


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=10, help="alternations of the two stores")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cached", action="store_true", help="keep the read cache on")
    args = parser.parse_args()
    if not args.cached:
        os.environ["PACKYARD_READ_CACHE_BYTES"] = "0"
    print(f"load at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}", flush=True)
    with ExitStack() as stack:
        stores = {}
        for label, shape in (("1k", SMALL), ("100k+1M", LARGE)):
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
            server = stack.enter_context(store_server(root, args.backend, stack))
            url = server.database or f"sqlite:///{server.data_dir / 'packyard.db'}"
            engine = make_engine(url)
            for prefix, (n_buckets, n_versions, n_builds, n_artifacts) in (
                ("b", shape["wide"]),
                ("deep", shape["deep"]),
            ):
                got = seed(
                    engine,
                    server.project_id,
                    bucket_count=n_buckets,
                    version_count=n_versions,
                    build_count=n_builds,
                    artifact_count=n_artifacts,
                    prefix=prefix,
                )
                print(
                    f"{label}: seeded {got['versions']:.0f} versions, {got['builds']:.0f} builds,"
                    f" {got['artifacts']:.0f} artifacts in {got['seconds']:.1f} s",
                    flush=True,
                )
            if server.database is None:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                with engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "VACUUM ANALYZE"
                    )
            with engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(versions)).scalar_one()
            api = server.api("admin")
            stores[label] = (server, engine, api, routes(api, engine, server.project_id, shape))
            print(f"{label}: {count} versions, {size_on_disk(server, engine)}", flush=True)
        labels = list(stores)
        reads = list(stores[labels[0]][3])
        server_ms: dict[tuple[str, str], list[float]] = {}
        client_ms: dict[tuple[str, str], list[float]] = {}
        timed_out: set[tuple[str, str]] = set()
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for read in reads:
                for label in labels:
                    _, _, api, paths = stores[label]
                    operation, path = paths[read]
                    if (label, read) in timed_out:
                        continue
                    slow = ("deep bucket" in read and "Get" not in read) or read.startswith(
                        "GetBucket"
                    )
                    got = measure(api, operation, path, 1 if slow else per_round)
                    if got is None:
                        timed_out.add((label, read))
                        continue
                    server_ms.setdefault((label, read), []).append(got[0])
                    client_ms.setdefault((label, read), []).extend(got[1])
        print(f"\nload at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
        small, large = labels
        print(
            f"\n| read | server ms, {small} | server ms, {large} | ratio | "
            f"p50 / p99 ms, {small} | p50 / p99 ms, {large} |"
        )
        print("|---|---|---|---|---|---|")
        for read in reads:
            if (small, read) in timed_out or (large, read) in timed_out:
                print(f"| {read} | answer took over {TIMEOUT:.0f} s on one store | | | | |")
                continue
            a = statistics.median(server_ms[(small, read)])
            b = statistics.median(server_ms[(large, read)])
            ca, cb = client_ms[(small, read)], client_ms[(large, read)]
            print(
                f"| {read} | {a:.2f} | {b:.2f} | {b / a:.2f}x | "
                f"{pct(ca, 0.5):.2f} / {pct(ca, 0.99):.2f} | {pct(cb, 0.5):.2f} / "
                f"{pct(cb, 0.99):.2f} |"
            )
        for label in labels:
            server, engine, _, _ = stores[label]
            print(f"{label} store on disk: {size_on_disk(server, engine)}")


if __name__ == "__main__":
    main()
