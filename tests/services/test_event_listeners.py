"""The webhook listeners of a bucket are looked up once per unit of work, and kept on it."""

from __future__ import annotations

import pytest

from packyard.domain.registry import BuildStatus
from packyard.ids import utcnow
from packyard.services import buckets, builds, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.store.webhooks import Webhooks
from tests.services.conftest import Registry


def test_a_push_looks_up_the_buckets_listeners_once_and_keeps_them_on_its_work(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
):
    looked_up: list[str] = []
    listeners = Webhooks.listeners

    def counted(self: Webhooks, bucket_id: str):  # type: ignore[no-untyped-def]
        looked_up.append(bucket_id)
        return listeners(self, bucket_id)

    monkeypatch.setattr(Webhooks, "listeners", counted)
    now = utcnow()
    with registry.work() as work:
        assert work.listeners_of_bucket == {}
        bucket = buckets.create_bucket(work, registry.admin, registry.scope, name="app", now=now)
        version = versions.create_version(
            work, registry.admin, registry.scope, bucket_name="app", fingerprint="f1", now=now
        )
        builds.create_build(  # DONE with an artifact: the version completes, `latest` moves
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            version_id=version.id,
            component_type="amazon-ebs.app",
            changes=BuildChanges(
                status=BuildStatus.DONE, platform="aws", artifacts=[ArtifactInput("ami-1", "eu")]
            ),
            now=now,
        )
        assert looked_up == [bucket.id]
        assert work.listeners_of_bucket == {bucket.id: ([], None)}
    with registry.work() as later:  # a new transaction looks again
        assert later.listeners_of_bucket == {}
        versions.create_version(
            later, registry.admin, registry.scope, bucket_name="app", fingerprint="f2", now=now
        )
    assert looked_up == [bucket.id, bucket.id]
