"""The console's bucket list filtered by platform: the buckets whose builds have it, as their
builds change, found with one probe of the buckets' platforms per bucket, however many
versions each holds (counted in SQLite's virtual-machine steps, which are deterministic)."""

from __future__ import annotations

from packyard.domain.registry import BuildStatus
from packyard.ids import utcnow
from packyard.services import builds, overview, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.services.overview import BucketFilter
from tests.services.conftest import Registry


def _names(registry: Registry, wanted: BucketFilter) -> list[str]:
    with registry.work(write=False) as work:
        return [b.name for b in overview.filter_buckets(work, registry.scope, wanted).buckets]


def _steps(registry: Registry, wanted: BucketFilter) -> int:
    steps = [0]

    def counted() -> int:
        steps[0] += 1
        return 0

    with registry.work(write=False) as work:
        raw = work.conn.connection.dbapi_connection
        assert raw is not None
        raw.set_progress_handler(counted, 1)  # type: ignore[attr-defined]
        try:
            overview.filter_buckets(work, registry.scope, wanted)
        finally:
            raw.set_progress_handler(None, 1)  # type: ignore[attr-defined]
    return steps[0]


def test_the_platform_filter_follows_the_builds(registry: Registry) -> None:
    first = registry.push("web", "w1")
    registry.push("db", "d1")
    assert _names(registry, BucketFilter(platform="aws")) == ["db", "web"]
    assert _names(registry, BucketFilter(platform="gce")) == []
    now = utcnow()
    with registry.work() as work:
        version = versions.create_version(
            work, registry.admin, registry.scope, bucket_name="web", fingerprint="w2", now=now
        )
        builds.create_build(
            work,
            registry.admin,
            registry.scope,
            bucket_name="web",
            version_id=version.id,
            component_type="googlecompute.app",
            changes=BuildChanges(
                status=BuildStatus.DONE,
                platform="gce",
                artifacts=[ArtifactInput("img-1", "r1")],
            ),
            now=now,
        )
    assert _names(registry, BucketFilter(platform="gce")) == ["web"]
    for deleted, platform, left in ((version.id, "gce", []), (first.id, "aws", ["db"])):
        with registry.work() as work:
            versions.delete_version(
                work, registry.admin, registry.scope, version_id=deleted, now=now
            )
        assert _names(registry, BucketFilter(platform=platform)) == left
    assert _names(registry, BucketFilter(platform="aws")) == ["db"]


def test_the_platform_filter_reads_no_bucket_history(registry: Registry) -> None:
    for n in range(3):
        registry.push(f"short-{n}", "f0")
    wanted = BucketFilter(platform="gce")  # none has it: each bucket is looked at in full
    short = _steps(registry, wanted)
    for n in range(3):
        for k in range(40):
            registry.push(f"long-{n}", f"f{k}")
    assert _names(registry, wanted) == []
    # twice the buckets, each with 40 versions: about twice the steps, not 40 times
    assert _steps(registry, wanted) <= 2.5 * short, (short, _steps(registry, wanted))
