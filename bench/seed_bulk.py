"""Bulk seeder (not a test): fills a project's registry through the store, not the API.

    python bench/seed_bulk.py --database URL [--project ID] --buckets 1000 --versions 100 \
        --builds 3 [--artifacts 1] [--prefix b]

Writes `--buckets` buckets of `--versions` complete versions each (sequence 1..n), every
version with `--builds` DONE builds of `--artifacts` artifacts each, and per bucket a
channel "prod" on its newest version (with its history entry), in batches (executemany
on SQLite, COPY on PostgreSQL) inside a few transactions, then bumps the registry's content
stamp once so that running servers drop their cached answers. Ids are ULIDs made in order, so
the store's id order is the order of creation, as with writes through the API.

With --database a SQLite URL (sqlite:///path/packyard.db) or a PostgreSQL one; --project
defaults to the store's only registry. 1,000 x 100 x 3 (100k versions) takes about a
minute here; so does --buckets 1 --versions 1000000 --builds 1 --artifacts 0.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Engine, Table, insert, select, update

from packyard.store.engine import make_engine
from packyard.store.tables import (
    artifacts,
    buckets,
    builds,
    channel_history,
    channels,
    registries,
    version_platforms,
    versions,
)

BATCH = 5000
"""Rows per executemany."""

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


class Ids:
    """ULIDs in increasing order: the millisecond of the start, then a counter over random
    bits, so that each id sorts after the one before it, as python-ulid's monotonic ones."""

    def __init__(self) -> None:
        self._next = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(9)) << 8

    def __call__(self) -> str:
        n = self._next
        self._next += 1
        pairs = _PAIRS
        return "".join(pairs[(n >> shift) & 1023] for shift in range(120, -10, -10))


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(conn: Any, table: Table, batch: list[dict[str, Any]]) -> None:
    """One batch of rows: executemany on SQLite, COPY on PostgreSQL (psycopg's copy)."""
    if conn.dialect.name == "sqlite":
        conn.execute(insert(table), batch)
        return
    names = list(batch[0])
    json_columns = {c.name for c in table.c if isinstance(c.type, JSON)}
    cursor = conn.connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in batch:
            copy.write_row([json.dumps(row[n]) if n in json_columns else row[n] for n in names])
    cursor.close()


def only_project(engine: Engine) -> str:
    with engine.connect() as conn:
        found = conn.execute(select(registries.c.project_id)).scalars().all()
    if len(found) != 1:
        raise SystemExit(f"name the project with --project: the store has {len(found)}")
    return str(found[0])


def seed(
    engine: Engine,
    project_id: str,
    *,
    bucket_count: int,
    version_count: int,
    build_count: int,
    artifact_count: int = 1,
    prefix: str = "b",
) -> dict[str, float]:
    """Write the buckets, versions, builds, artifacts and channels; answer rows and seconds."""
    started = time.perf_counter()
    new_id = Ids()
    with engine.connect() as conn:
        organization_id = conn.execute(
            select(registries.c.organization_id).where(registries.c.project_id == project_id)
        ).scalar_one()
    base = datetime.now(UTC) - timedelta(days=30)
    written = {"buckets": 0, "versions": 0, "builds": 0, "artifacts": 0, "channels": 0}
    # Rows go out table by table, each table's rows in batches; a bucket's versions commit
    # with it, so a bucket is never seen half-written by a reader's snapshot of one bucket.
    per_commit = max(1, 200_000 // max(1, version_count * (1 + build_count * (1 + artifact_count))))
    bucket_numbers = iter(range(bucket_count))
    done = False
    while not done:
        group = [n for _, n in zip(range(per_commit), bucket_numbers, strict=False)]
        if not group:
            break
        done = len(group) < per_commit
        with engine.begin() as conn:
            for number in group:
                _seed_bucket(
                    conn,
                    new_id,
                    written,
                    organization_id=organization_id,
                    project_id=project_id,
                    name=f"{prefix}{number:05d}",
                    moment=base + timedelta(seconds=number),
                    version_count=version_count,
                    build_count=build_count,
                    artifact_count=artifact_count,
                )
    with engine.begin() as conn:
        conn.execute(
            update(registries)
            .where(registries.c.project_id == project_id)
            .values(content_version=registries.c.content_version + 1)
        )
    return {**{k: float(v) for k, v in written.items()}, "seconds": time.perf_counter() - started}


def _seed_bucket(
    conn: Any,
    new_id: Ids,
    written: dict[str, int],
    *,
    organization_id: str,
    project_id: str,
    name: str,
    moment: datetime,
    version_count: int,
    build_count: int,
    artifact_count: int,
) -> None:
    bucket_id = new_id()
    conn.execute(
        insert(buckets),
        [
            {
                "id": bucket_id,
                "organization_id": organization_id,
                "project_id": project_id,
                "name": name,
                "description": "",
                "labels": {},
                "created_at": moment,
                "updated_at": moment,
                "version_count": version_count,
            }
        ],
    )
    version_ids = [new_id() for _ in range(version_count)]
    for batch in _batches(
        {
            "id": version_id,
            "bucket_id": bucket_id,
            "fingerprint": f"f{n:07d}",
            "sequence": n + 1,
            "template_type": "HCL2",
            "author_id": "seed",
            "revocation_message": "",
            "revocation_author": "",
            "created_at": moment + timedelta(microseconds=n),
            "updated_at": moment + timedelta(microseconds=n),
        }
        for n, version_id in enumerate(version_ids)
    ):
        _write(conn, versions, batch)
    build_ids: list[str] = []

    def build_rows() -> Iterator[dict[str, Any]]:
        for n, version_id in enumerate(version_ids):
            for k in range(build_count):
                build_id = new_id()
                build_ids.append(build_id)
                yield {
                    "id": build_id,
                    "version_id": version_id,
                    "component_type": f"source.null.c{k}",
                    "packer_run_uuid": "",
                    "platform": ("aws", "azure", "gce")[k % 3],
                    "status": "DONE",
                    "labels": {},
                    "metadata": {},
                    "source_external_identifier": "",
                    "created_at": moment + timedelta(microseconds=n),
                    "updated_at": moment + timedelta(microseconds=n),
                }

    for batch in _batches(build_rows()):
        _write(conn, builds, batch)
    platforms = sorted({("aws", "azure", "gce")[k % 3] for k in range(build_count)})
    for batch in _batches(
        {"version_id": version_id, "platform": platform, "bucket_id": bucket_id}
        for version_id in version_ids
        for platform in platforms
    ):
        _write(conn, version_platforms, batch)
    if artifact_count:
        for batch in _batches(
            {
                "id": new_id(),
                "build_id": build_id,
                "external_identifier": f"ami-{build_id[-12:].lower()}-{a}",
                "region": "us-east-1",
                "labels": {},
                "created_at": moment,
            }
            for build_id in build_ids
            for a in range(artifact_count)
        ):
            _write(conn, artifacts, batch)
    if version_ids:
        channel_id = new_id()
        conn.execute(
            insert(channels),
            [
                {
                    "id": channel_id,
                    "bucket_id": bucket_id,
                    "name": "prod",
                    "version_id": version_ids[-1],
                    "managed": False,
                    "restricted": False,
                    "author_id": "seed",
                    "created_at": moment,
                    "updated_at": moment,
                }
            ],
        )
        conn.execute(
            insert(channel_history),
            [
                {
                    "id": new_id(),
                    "channel_id": channel_id,
                    "reason": "created",
                    "version_id": version_ids[-1],
                    "author_id": "seed",
                    "created_at": moment,
                }
            ],
        )
        written["channels"] += 1
    written["buckets"] += 1
    written["versions"] += len(version_ids)
    written["builds"] += len(build_ids)
    written["artifacts"] += len(build_ids) * artifact_count


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--project", default=None)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--artifacts", type=int, default=1)
    parser.add_argument("--prefix", default="b")
    args = parser.parse_args()
    engine = make_engine(args.database)
    got = seed(
        engine,
        args.project or only_project(engine),
        bucket_count=args.buckets,
        version_count=args.versions,
        build_count=args.builds,
        artifact_count=args.artifacts,
        prefix=args.prefix,
    )
    print(", ".join(f"{k} {v:.0f}" if k != "seconds" else f"{v:.1f} s" for k, v in got.items()))


if __name__ == "__main__":
    main()
