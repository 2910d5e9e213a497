"""Benchmark of the 2023-01-01 plane (not a test): hot reads and the current Packer push.

    python bench/bench_2023.py [--seconds 5] [--pushes 50]

Hot reads: GetChannel with its embedded version of 10 builds x 3 artifacts, and GetVersion,
at 1 and 32 clients beside the trivial route. Push, as Packer 1.16 sends it: get bucket
(404), create bucket, get version (409), create version, list builds, enforced blocks of the
bucket, 3 builds created, RUNNING and DONE (15 requests).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import (
    hot_reads,
    live_api,
    print_commit_floor,
    push_sequences,
    sqlite_commit_floor,
)
from tests.support.server import ApiClient


def seed(api: ApiClient) -> dict[str, str]:
    api.put(api.v2 + "/buckets", json={"name": "bench"})
    api.post(api.v2 + "/buckets/bench/versions", json={"fingerprint": "hot"})
    builds = api.v2 + "/buckets/bench/versions/hot/builds"
    ids = [
        api.post(builds, json={"component_type": f"amazon-ebs.image-{n}"}).json()["build"]["id"]
        for n in range(10)
    ]
    for build_id in ids:
        api.patch(
            builds + f"/{build_id}",
            json={
                "status": "BUILD_DONE",
                "platform": "aws",
                "labels": {"os": "ubuntu"},
                "artifacts": [
                    {"external_identifier": f"ami-{build_id[-8:]}-{r}", "region": r}
                    for r in ("us-east-1", "eu-west-1", "ap-south-1")
                ],
            },
        )
    api.post(
        api.v2 + "/buckets/bench/channels", json={"name": "prod", "version_fingerprint": "hot"}
    )
    size = len(api.get(api.v2 + "/buckets/bench/channels/prod").content)
    print(f"seeded: channel document of {size} bytes (10 builds x 3 artifacts)")
    return {
        "GetChannel": api.v2 + "/buckets/bench/channels/prod",
        "GetVersion": api.v2 + "/buckets/bench/versions/hot",
    }


def push(api: ApiClient, n: int) -> None:
    bucket = api.v2 + f"/buckets/push-{n}"
    api.get(bucket, check=False)
    api.put(api.v2 + "/buckets", json={"name": f"push-{n}"})
    api.get(bucket + "/versions/f", check=False)
    api.post(bucket + "/versions", json={"fingerprint": "f", "template_type": "HCL2"})
    api.get(bucket + "/versions/f/builds")
    api.get(api.v2 + f"/enforced_blocks/bucket/push-{n}")
    ids = [
        api.post(bucket + "/versions/f/builds", json={"component_type": f"c{k}"}).json()["build"][
            "id"
        ]
        for k in range(3)
    ]
    for build_id in ids:
        api.patch(bucket + f"/versions/f/builds/{build_id}", json={"status": "BUILD_RUNNING"})
    for build_id in ids:
        api.patch(
            bucket + f"/versions/f/builds/{build_id}",
            json={
                "status": "BUILD_DONE",
                "platform": "aws",
                "artifacts": [{"external_identifier": "ami-1", "region": "us-east-1"}],
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with live_api(args.workers) as api:
        hot_reads(api, seed(api), args.seconds)
        push_sequences(
            api, lambda n: push(api, n), args.pushes, "push sequence (15 requests, 3 builds)"
        )
        with tempfile.TemporaryDirectory() as beside:  # where the server's store is
            print_commit_floor("SQLite, WAL, synchronous=FULL", sqlite_commit_floor(Path(beside)))


if __name__ == "__main__":
    main()
