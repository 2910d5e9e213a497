"""Benchmark of the 2021-04-30 plane (not a test): hot reads and the push sequence.

Starts its own `packyard serve` on a free loopback port, seeds a channel whose iteration has
10 builds x 3 images, then measures with wrk (Debian package `wrk`) at 1 and 32 connections:
the trivial route (/healthz), GetChannel, and GetIteration by fingerprint, each beside the
trivial route from the same run. The push sequence (bucket, iteration, 3 builds RUNNING and
DONE) is timed from the server's own latency histogram, so client overhead is excluded.

    python bench/bench_2021.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.server import ApiClient, running_server

_SUM = re.compile(r'^packyard_request_seconds_sum\{operation="([^"]+)"\} ([0-9.e+-]+)$', re.M)
_COUNT = re.compile(r'^packyard_request_seconds_count\{operation="([^"]+)"\} ([0-9.e+-]+)$', re.M)


def wrk(url: str, token: str, connections: int, seconds: int) -> dict[str, float]:
    threads = min(2, connections)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
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
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url} answered {non2xx.group(1)} errors:\n{out}")

    def pct(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([0-9.]+)(us|ms|s)", out)
        assert match, out
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    return {"rps": rps, "p50": pct("50"), "p99": pct("99")}


def seed(api: ApiClient) -> tuple[str, str]:
    api.put(api.v1 + "/images", json={"bucket_slug": "bench"})
    iteration = api.post(api.v1 + "/images/bench/iterations", json={"fingerprint": "hot"})
    iteration_id = iteration.json()["iteration"]["id"]
    ids = []
    for n in range(10):
        build = api.post(
            api.v1 + f"/images/bench/iterations/{iteration_id}",
            json={"build": {"component_type": f"amazon-ebs.image-{n}"}},
        )
        ids.append(build.json()["build"]["id"])
    for build_id in ids:
        api.patch(
            api.v1 + f"/builds/{build_id}",
            json={
                "updates": {
                    "status": "DONE",
                    "cloud_provider": "aws",
                    "labels": {"os": "ubuntu", "team": "infra"},
                    "images": [
                        {"image_id": f"ami-{build_id[-8:]}-{r}", "region": r}
                        for r in ("us-east-1", "eu-west-1", "ap-south-1")
                    ],
                }
            },
        )
    api.post(api.v1 + "/images/bench/channels", json={"slug": "prod", "fingerprint": "hot"})
    size = len(api.get(api.v1 + "/images/bench/channels/prod").content)
    print(f"seeded: channel document of {size} bytes (10 builds x 3 images)")
    return "/images/bench/channels/prod", "/images/bench/iteration?fingerprint=hot"


def server_seconds(api: ApiClient) -> dict[str, tuple[float, float]]:
    text = api.http.get("/metrics").text
    sums = {op: float(v) for op, v in _SUM.findall(text)}
    counts = {op: float(v) for op, v in _COUNT.findall(text)}
    return {op: (sums[op], counts.get(op, 0.0)) for op in sums}


def push_sequence(api: ApiClient, pushes: int) -> tuple[list[float], dict[str, float]]:
    """Server time (ms) of each push: create bucket, iteration, 3 builds RUNNING then DONE."""
    totals = []
    start = server_seconds(api)
    for n in range(pushes):
        before = server_seconds(api)
        bucket = f"push-{n}"
        api.put(api.v1 + "/images", json={"bucket_slug": bucket})
        api.get(api.v1 + f"/images/{bucket}/iteration", params={"fingerprint": "f"}, check=False)
        it = api.post(api.v1 + f"/images/{bucket}/iterations", json={"fingerprint": "f"})
        it_id = it.json()["iteration"]["id"]
        api.get(api.v1 + f"/images/{bucket}/iterations/{it_id}/builds")
        ids = [
            api.post(
                api.v1 + f"/images/{bucket}/iterations/{it_id}",
                json={"build": {"component_type": f"c{k}"}},
            ).json()["build"]["id"]
            for k in range(3)
        ]
        for build_id in ids:
            api.patch(api.v1 + f"/builds/{build_id}", json={"updates": {"status": "RUNNING"}})
        for build_id in ids:
            api.patch(
                api.v1 + f"/builds/{build_id}",
                json={
                    "updates": {
                        "status": "DONE",
                        "cloud_provider": "aws",
                        "images": [{"image_id": "ami-1", "region": "us-east-1"}],
                    }
                },
            )
        after = server_seconds(api)
        totals.append(1000 * sum(after[op][0] - before.get(op, (0.0, 0.0))[0] for op in after))
    end = server_seconds(api)
    per_op = {
        op: 1000
        * (end[op][0] - start.get(op, (0.0, 0.0))[0])
        / max(1.0, end[op][1] - start.get(op, (0.0, 0.0))[1])
        for op in end
        if end[op][1] > start.get(op, (0.0, 0.0))[1] and op != "ListBuckets"
    }
    return sorted(totals), per_op


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pushes", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is required: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as root, running_server(Path(root)) as server:
        api = server.api("admin")
        channel, by_fingerprint = seed(api)
        token = api.http.headers["Authorization"].split(" ", 1)[1]
        rows = []
        for connections in (1, 32):
            trivial = wrk(server.base_url + "/healthz", token, connections, args.seconds)
            for label, path in (
                ("GetChannel", channel),
                ("GetIteration by fingerprint", by_fingerprint),
            ):
                result = wrk(server.base_url + api.v1 + path, token, connections, args.seconds)
                rows.append((label, connections, result, trivial))
        print("\n| route | clients | req/s | trivial req/s | ratio | p50 ms | p99 ms |")
        print("|---|---|---|---|---|---|---|")
        for label, connections, result, trivial in rows:
            print(
                f"| {label} | {connections} | {result['rps']:.0f} | {trivial['rps']:.0f} | "
                f"{result['rps'] / trivial['rps']:.0%} | {result['p50']:.2f} | "
                f"{result['p99']:.2f} |"
            )
        totals, per_op = push_sequence(api, args.pushes)
        p50, p99 = totals[len(totals) // 2], totals[int(len(totals) * 0.99) - 1]
        print(
            f"\npush sequence (12 requests, 3 builds), server time over {len(totals)} pushes: "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {totals[-1]:.1f} ms"
        )
        print(
            "mean server ms per request: "
            + ", ".join(f"{op} {ms:.2f}" for op, ms in sorted(per_op.items()))
        )


if __name__ == "__main__":
    main()
