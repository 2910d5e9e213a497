"""What both plane benchmarks share: a live server, wrk runs, and the server's own timings."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import ApiClient, running_server

_SUM = re.compile(r'^packyard_request_seconds_sum\{operation="([^"]+)"\} ([0-9.e+-]+)$', re.M)
_COUNT = re.compile(r'^packyard_request_seconds_count\{operation="([^"]+)"\} ([0-9.e+-]+)$', re.M)


@contextmanager
def live_api(workers: int = 1) -> Iterator[ApiClient]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is required: apt-get install -y wrk")
    with (
        tempfile.TemporaryDirectory() as root,
        running_server(Path(root), "--workers", str(workers)) as server,
    ):
        yield server.api("admin")


def wrk(url: str, token: str, connections: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url} answered {non2xx.group(1)} errors:\n{out}")

    def pct(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([0-9.]+)(us|ms|s)", out)
        assert match, out
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    assert rps, out
    return {"rps": float(rps.group(1)), "p50": pct("50"), "p99": pct("99")}


def hot_reads(api: ApiClient, routes: dict[str, str], seconds: int) -> None:
    """Each route at 1 and 32 clients, beside /healthz measured in the same run."""
    token = str(api.http.headers["Authorization"]).split(" ", 1)[1]
    base = api.server.base_url
    print("\n| route | clients | req/s | trivial req/s | ratio | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for connections in (1, 32):
        trivial = wrk(base + "/healthz", token, connections, seconds)
        print(
            f"| (trivial) | {connections} | {trivial['rps']:.0f} | | | {trivial['p50']:.2f} | "
            f"{trivial['p99']:.2f} |"
        )
        for label, path in routes.items():
            got = wrk(base + path, token, connections, seconds)
            print(
                f"| {label} | {connections} | {got['rps']:.0f} | {trivial['rps']:.0f} | "
                f"{got['rps'] / trivial['rps']:.0%} | {got['p50']:.2f} | {got['p99']:.2f} |"
            )


def _server_seconds(api: ApiClient) -> dict[str, tuple[float, float]]:
    text = api.http.get("/metrics").text
    counts = {op: float(v) for op, v in _COUNT.findall(text)}
    return {op: (float(v), counts.get(op, 0.0)) for op, v in _SUM.findall(text)}


def _processes() -> Iterator[tuple[int, int, str, float]]:
    """Every process now: its id, its parent's, its name and the CPU time (user and
    system) it has used so far, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue  # gone meanwhile
        parts = fields.split()
        yield int(stat.parent.name), int(parts[1]), name, (int(parts[11]) + int(parts[12])) / tick


def postgres_cpu_seconds() -> float:
    """CPU time used so far by every PostgreSQL process."""
    return sum(seconds for _, _, name, seconds in _processes() if name == "postgres")


def server_cpu_seconds(pid: int) -> float:
    """CPU time used so far by the process `pid` and every process under it (the server's
    workers)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for child, parent, _, seconds in _processes():
        parents[child] = parent
        used[child] = seconds
    total = 0.0
    for child, seconds in used.items():
        ancestor = child
        while ancestor not in (pid, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == pid:
            total += seconds
    return total


def push_sequences(api: ApiClient, push: Callable[[int], None], pushes: int, label: str) -> None:
    """Server time of whole push sequences, from the server's latency histogram; then the
    server's CPU time for as many more (which leaves out waiting on the disk and on the
    client)."""
    totals, start = [], _server_seconds(api)
    for n in range(pushes):
        before = _server_seconds(api)
        push(n)
        after = _server_seconds(api)
        totals.append(1000 * sum(v[0] - before.get(op, (0.0, 0.0))[0] for op, v in after.items()))
    end = _server_seconds(api)
    assert api.server.process is not None
    pid = api.server.process.pid
    cpu_before = server_cpu_seconds(pid)
    for n in range(pushes, 2 * pushes):
        push(n)
    cpu = 1000 * (server_cpu_seconds(pid) - cpu_before) / pushes
    totals.sort()
    p50, p99 = totals[len(totals) // 2], totals[max(0, int(len(totals) * 0.99) - 1)]
    print(
        f"\n{label}, server time over {len(totals)} pushes: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {totals[-1]:.1f} ms; "
        f"server CPU over {pushes} more: {cpu:.1f} ms a push"
    )
    means = {
        op: 1000 * (v[0] - start.get(op, (0.0, 0.0))[0]) / (v[1] - start.get(op, (0.0, 0.0))[1])
        for op, v in end.items()
        if (v[1] > start.get(op, (0.0, 0.0))[1] and "List" not in op) or "ListBuilds" in op
    }
    print(
        "mean server ms per request: "
        + ", ".join(f"{op} {ms:.2f}" for op, ms in sorted(means.items()))
    )


WRITES_IN_A_PUSH = 11
"""Of a Packer 1.16 push's 15 requests, those that commit a write: the bucket, the version,
and each of three builds made, started and done."""


def commit_floor(commit: Callable[[], None], rounds: int = 30) -> float:
    """The p50, in ms, of WRITES_IN_A_PUSH one-row write transactions in a row: what the
    database's durable commit alone costs a push sequence, whatever server sends it."""
    took = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(WRITES_IN_A_PUSH):
            commit()
        took.append(1000 * (time.perf_counter() - start))
    return sorted(took)[len(took) // 2]


def sqlite_commit_floor(directory: Path) -> float:
    """commit_floor on a SQLite file in `directory`, as the server keeps its store (WAL,
    synchronous=FULL)."""
    db = sqlite3.connect(directory / "floor.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS floor (n INTEGER)")

    def commit() -> None:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO floor VALUES (1)")
        db.execute("COMMIT")

    try:
        return commit_floor(commit)
    finally:
        db.close()


def postgres_commit_floor(url: str) -> float:
    """commit_floor on a PostgreSQL database (a SQLAlchemy URL), at its own settings."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        db.execute("CREATE TABLE IF NOT EXISTS floor (n integer)")
        db.commit()

        def commit() -> None:
            db.execute("INSERT INTO floor VALUES (1)")
            db.commit()

        return commit_floor(commit)


def postgres_round_trip(url: str, asks: int = 2000) -> float:
    """The p50, in ms, of one `SELECT 1` on a kept connection: one round trip to the
    database, the least a request that asks it anything waits."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as db:
        db.autocommit = True
        took = []
        for _ in range(asks):
            start = time.perf_counter()
            db.execute("SELECT 1").fetchone()
            took.append(1000 * (time.perf_counter() - start))
    return sorted(took)[len(took) // 2]


def print_commit_floor(label: str, floor_ms: float) -> None:
    print(
        f"commit floor ({label}): {WRITES_IN_A_PUSH} one-row write transactions in a row, "
        f"p50 {floor_ms:.1f} ms"
    )
