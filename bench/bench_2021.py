"""Benchmark of the 2021-04-30 plane (not a test): hot reads and the Packer 1.9 push.

    python bench/bench_2021.py [--seconds 5] [--pushes 50]

Hot reads: GetChannel with its embedded iteration of 10 builds x 3 images, and GetIteration
by fingerprint, at 1 and 32 clients beside the trivial route. Push: bucket, fingerprint
look-up, iteration, list builds, 3 builds created, RUNNING and DONE (12 requests).
"""

from __future__ import annotations

import argparse

from harness import hot_reads, live_api, push_sequences
from tests.support.server import ApiClient


def seed(api: ApiClient) -> dict[str, str]:
    api.put(api.v1 + "/images", json={"bucket_slug": "bench"})
    iteration = api.post(api.v1 + "/images/bench/iterations", json={"fingerprint": "hot"})
    iteration_id = iteration.json()["iteration"]["id"]
    ids = [
        api.post(
            api.v1 + f"/images/bench/iterations/{iteration_id}",
            json={"build": {"component_type": f"amazon-ebs.image-{n}"}},
        ).json()["build"]["id"]
        for n in range(10)
    ]
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
    return {
        "GetChannel": api.v1 + "/images/bench/channels/prod",
        "GetIteration by fingerprint": api.v1 + "/images/bench/iteration?fingerprint=hot",
    }


def push(api: ApiClient, n: int) -> None:
    bucket = f"push-{n}"
    api.put(api.v1 + "/images", json={"bucket_slug": bucket})
    api.get(api.v1 + f"/images/{bucket}/iteration", params={"fingerprint": "f"}, check=False)
    it_id = api.post(api.v1 + f"/images/{bucket}/iterations", json={"fingerprint": "f"}).json()[
        "iteration"
    ]["id"]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--pushes", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with live_api(args.workers) as api:
        hot_reads(api, seed(api), args.seconds)
        push_sequences(
            api, lambda n: push(api, n), args.pushes, "push sequence (12 requests, 3 builds)"
        )


if __name__ == "__main__":
    main()
