"""Buckets, versions, builds and channels, as their use cases keep them."""

from __future__ import annotations

import pytest

from packyard.domain.registry import BuildStatus, TemplateType
from packyard.errors import AlreadyExists, InvalidArgument, NotFound
from packyard.ids import utcnow
from packyard.services import buckets, builds, channels, versions
from packyard.services.builds import BuildChanges
from packyard.services.channels import VersionChoice
from tests.services.conftest import Registry


def test_a_bucket_is_made_once_with_its_latest_channel_and_summarised(registry: Registry):
    pushed = registry.push("app", "f1", artifacts=2)
    with registry.work() as work, pytest.raises(AlreadyExists):
        buckets.create_bucket(work, registry.admin, registry.scope, name="app", now=utcnow())
    with registry.work(write=False) as work:
        found = buckets.get_bucket(work, registry.scope, name="app")
        latest = channels.get_channel(
            work, registry.viewer, registry.scope, bucket_name="app", name="latest"
        )
    assert found.version_count == 1
    assert found.latest_version is not None and found.latest_version.id == pushed.id
    assert found.platforms == ["aws"]
    assert latest.managed and latest.version is not None and latest.version.id == pushed.id


def test_a_version_completes_when_its_last_build_is_done(registry: Registry):
    now = utcnow()
    with registry.work() as work:
        buckets.create_bucket(work, registry.admin, registry.scope, name="web", now=now)
        version = versions.create_version(
            work,
            registry.admin,
            registry.scope,
            bucket_name="web",
            fingerprint="f1",
            template_type=TemplateType.HCL2,
            now=now,
        )
        build = builds.create_build(
            work,
            registry.admin,
            registry.scope,
            bucket_name="web",
            version_id=version.id,
            component_type="docker.web",
            changes=BuildChanges(status=BuildStatus.RUNNING),
            now=now,
        )
        # The one rule of completion: a DONE build has an artifact.
        with pytest.raises(InvalidArgument, match="at least one artifact"):
            builds.update_build(
                work,
                registry.admin,
                registry.scope,
                build_id=build.id,
                changes=BuildChanges(status=BuildStatus.DONE),
                now=now,
            )
    with registry.work(write=False) as work:
        assert not versions.find_version(
            work, registry.scope, bucket_name="web", fingerprint="f1"
        ).complete
    registry.push("web", "f2")
    with registry.work(write=False) as work:
        complete = versions.list_versions(
            work, registry.scope, bucket_name="web", complete_only=True
        )
        every = versions.list_versions(work, registry.scope, bucket_name="web")
    assert [item.fingerprint for item in complete] == ["f2"]
    assert complete[0].sequence == 1
    assert sorted(item.fingerprint for item in every) == ["f1", "f2"]


def test_a_restricted_channel_exists_only_for_contributors_and_admins(registry: Registry):
    pushed = registry.push("app", "f1")
    with registry.work() as work:
        channels.create_channel(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            name="prod",
            choice=VersionChoice(fingerprint="f1"),
            restricted=True,
            now=utcnow(),
        )
    with registry.work(write=False) as work:
        seen_by_admin = channels.list_channels(
            work, registry.admin, registry.scope, bucket_name="app"
        )
        seen_by_viewer = channels.list_channels(
            work, registry.viewer, registry.scope, bucket_name="app"
        )
        with pytest.raises(NotFound):
            channels.get_channel(
                work, registry.viewer, registry.scope, bucket_name="app", name="prod"
            )
        prod = channels.get_channel(
            work, registry.admin, registry.scope, bucket_name="app", name="prod"
        )
    assert sorted(item.name for item in seen_by_admin) == ["latest", "prod"]
    assert [item.name for item in seen_by_viewer] == ["latest"]
    assert prod.version is not None and prod.version.id == pushed.id


def test_a_version_is_found_by_id_fingerprint_or_sequence_and_not_in_another_bucket(
    registry: Registry,
):
    first = registry.push("app", "f1")
    registry.push("other", "f9")
    with registry.work(write=False) as work:
        by_id = versions.find_version(work, registry.scope, bucket_name="app", version_id=first.id)
        by_sequence = versions.find_version(work, registry.scope, bucket_name="app", sequence=1)
        with pytest.raises(NotFound):
            versions.find_version(work, registry.scope, bucket_name="other", version_id=first.id)
    assert by_id.fingerprint == "f1" and by_sequence.id == first.id
    assert [build.component_type for build in by_id.builds] == ["amazon-ebs.app"]
