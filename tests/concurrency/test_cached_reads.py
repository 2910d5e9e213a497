"""A cached read stays exact across processes: a write through one replica (or worker) is
seen at once by the next read through every other, whose answer was cached before it."""

from __future__ import annotations

from tests.concurrency.conftest import Deployment, done_version
from tests.support.server import ApiClient


def _cached_reads(api: ApiClient, bucket: str) -> tuple[str, str, int]:
    """The channel's version on each plane and the builds of version `open`, each read
    twice so that the process keeps the answer; the second read must match the first."""
    seen = []
    for _ in range(2):
        v2 = api.get(api.v2 + f"/buckets/{bucket}/channels/release")
        v1 = api.get(api.v1 + f"/images/{bucket}/channels/release")
        version = api.get(api.v2 + f"/buckets/{bucket}/versions/open")
        assert [r.status_code for r in (v2, v1, version)] == [200] * 3
        seen.append(
            (
                v2.json()["channel"]["version"]["fingerprint"],
                v1.json()["channel"]["iteration"]["fingerprint"],
                len(version.json()["version"].get("builds", [])),
            )
        )
    assert seen[0] == seen[1]
    return seen[0]


def test_a_write_through_one_replica_is_read_at_once_through_every_other(
    deployment: Deployment,
) -> None:
    bucket = "cached-reads"
    setup = deployment.clients(1)[0]
    assert setup.put(setup.v2 + "/buckets", json={"name": bucket}).status_code == 200
    for n in range(2):
        done_version(setup, bucket, f"fp-{n}", n)
    made = setup.post(
        setup.v2 + f"/buckets/{bucket}/versions",
        json={"fingerprint": "open", "template_type": "HCL2"},
    )
    assert made.status_code == 200, made.text
    made = setup.post(
        setup.v2 + f"/buckets/{bucket}/channels",
        json={"name": "release", "version_fingerprint": "fp-0"},
    )
    assert made.status_code == 200, made.text
    servers = deployment.servers
    readers = [deployment.direct(server) for server in servers]
    builds = 0
    for round_ in range(2 * len(servers)):
        writer = readers[round_ % len(readers)]
        was, now = (f"fp-{round_ % 2}", f"fp-{(round_ + 1) % 2}")
        for reader in readers:
            assert _cached_reads(reader, bucket) == (was, was, builds)
        if round_ % 2:
            # a change the channel does not show: one more build of the open version
            build = writer.post(
                writer.v2 + f"/buckets/{bucket}/versions/open/builds",
                json={"component_type": f"null.round-{round_}"},
            )
            assert build.status_code == 200, build.text
            builds += 1
        moved = writer.patch(
            writer.v2 + f"/buckets/{bucket}/channels/release",
            json={"version_fingerprint": now, "update_mask": "versionFingerprint"},
        )
        assert moved.status_code == 200, moved.text
        for reader in readers:
            assert _cached_reads(reader, bucket) == (now, now, builds)
