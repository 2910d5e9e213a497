"""The read use cases (services/reads.py): what each answers about ancestry, the revoked
ancestor and the moment its answer goes stale, over versions pushed as Packer pushes them."""

from __future__ import annotations

from datetime import datetime, timedelta

from packyard.domain.paging import PageAsk, SortedAsk
from packyard.domain.reads import AncestryQuery, Relation
from packyard.domain.registry import AncestryStatus, BuildStatus, Version
from packyard.ids import utcnow
from packyard.services import buckets, builds, channels, reads, revocation, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.services.revocation import Revocation
from tests.services.conftest import Registry


def _child_of_latest(registry: Registry, bucket: str, fingerprint: str, parent: str) -> Version:
    """A version of `bucket` built from what the parent bucket's `latest` channel points at."""
    now = utcnow()
    with registry.work() as work:
        latest = channels.get_channel(
            work, registry.admin, registry.scope, bucket_name=parent, name="latest"
        )
        assert latest.version is not None
        if work.bucket(registry.scope.project_id, bucket) is None:
            buckets.create_bucket(work, registry.admin, registry.scope, name=bucket, now=now)
        version = versions.create_version(
            work,
            registry.admin,
            registry.scope,
            bucket_name=bucket,
            fingerprint=fingerprint,
            now=now,
        )
        builds.create_build(
            work,
            registry.admin,
            registry.scope,
            bucket_name=bucket,
            version_id=version.id,
            component_type="amazon-ebs.app",
            changes=BuildChanges(
                status=BuildStatus.DONE,
                platform="aws",
                parent_version_id=latest.version.id,
                parent_channel_id=latest.id,
                artifacts=[ArtifactInput(f"ami-{fingerprint}", "eu-west-1")],
            ),
            now=now,
        )
    return version


def _schedule(registry: Registry, version: Version, at: datetime) -> None:
    with registry.work() as work:
        revocation.revoke_version(
            work,
            registry.admin,
            registry.scope,
            version_id=version.id,
            revocation=Revocation(revoke_at=at, message="EOL"),
            now=utcnow(),
        )


def test_a_scheduled_revocation_sets_when_each_read_of_the_version_goes_stale(
    registry: Registry,
):
    pushed = registry.push("app", "f1")
    at = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    with registry.work(write=False) as work:
        before = reads.show_version(
            work, registry.viewer, registry.scope, bucket_name="app", fingerprint="f1", now=utcnow()
        )
    assert before.valid_until is None and before.revoked_ancestor is None
    _schedule(registry, pushed, at)
    now = utcnow()
    with registry.work(write=False) as work:
        version = reads.show_version(
            work, registry.viewer, registry.scope, bucket_name="app", fingerprint="f1", now=now
        )
        bucket = reads.show_bucket(work, registry.viewer, registry.scope, name="app", now=now)
        page = reads.list_buckets(work, registry.viewer, registry.scope, PageAsk(10), now=now)
        latest = reads.show_channel(
            work, registry.viewer, registry.scope, bucket_name="app", name="latest", now=now
        )
        listed = reads.list_versions(
            work, registry.viewer, registry.scope, PageAsk(10), bucket_name="app", now=now
        )
    assert version.valid_until == at
    assert bucket.valid_until == at and bucket.bucket.latest_version is not None
    assert page.valid_until == at and [item.name for item in page.buckets] == ["app"]
    assert latest.valid_until == at and latest.channel.version is not None
    assert listed.valid_until == at and [item.id for item in listed.versions] == [pushed.id]
    # once the revocation has taken effect, nothing the clock changes is left to wait for
    with registry.work(write=False) as work:
        later = reads.show_version(
            work,
            registry.viewer,
            registry.scope,
            bucket_name="app",
            fingerprint="f1",
            now=at + timedelta(seconds=1),
        )
    assert later.valid_until is None


def test_a_parents_new_version_puts_the_child_out_of_date(registry: Registry):
    registry.push("base", "b1")
    child = _child_of_latest(registry, "app", "a1", parent="base")
    now = utcnow()
    with registry.work(write=False) as work:
        shown = reads.show_version(
            work, registry.viewer, registry.scope, bucket_name="app", version_id=child.id, now=now
        )
        parent_bucket = reads.show_bucket(
            work, registry.viewer, registry.scope, name="base", now=now
        )
    assert shown.version.parents_status is AncestryStatus.UP_TO_DATE
    assert parent_bucket.bucket.children_status is AncestryStatus.UP_TO_DATE
    registry.push("base", "b2")  # completes, and `latest` of base moves to it
    now = utcnow()
    with registry.work(write=False) as work:
        shown = reads.show_version(
            work, registry.viewer, registry.scope, bucket_name="app", version_id=child.id, now=now
        )
        child_bucket = reads.show_bucket(work, registry.viewer, registry.scope, name="app", now=now)
        parent_bucket = reads.show_bucket(
            work, registry.viewer, registry.scope, name="base", now=now
        )
        page = reads.list_buckets(
            work, registry.viewer, registry.scope, SortedAsk((("name", False),), 0, 10), now=now
        )
        relations = reads.bucket_relations(
            work,
            registry.viewer,
            registry.scope,
            bucket_name="app",
            query=AncestryQuery(relation=Relation.PARENTS),
            now=now,
        )
    assert shown.version.parents_status is AncestryStatus.OUT_OF_DATE
    assert child_bucket.bucket.latest_version is not None
    assert child_bucket.bucket.latest_version.parents_status is AncestryStatus.OUT_OF_DATE
    assert parent_bucket.bucket.children_status is AncestryStatus.OUT_OF_DATE
    assert [(b.name, b.children_status) for b in page.buckets] == [
        ("app", None),
        ("base", AncestryStatus.OUT_OF_DATE),
    ]
    assert page.total == 2 and not page.more
    assert [item.status for item in relations.relations] == [AncestryStatus.OUT_OF_DATE]
    # the plane that shows no parents status does not read them
    with registry.work(write=False) as work:
        plain = reads.show_version(
            work,
            registry.viewer,
            registry.scope,
            bucket_name="app",
            version_id=child.id,
            now=now,
            parents_status=False,
        )
    assert plain.version.parents_status is None


def test_a_parents_scheduled_revocation_stales_the_child_and_its_revocation_is_inherited(
    registry: Registry,
):
    base = registry.push("base", "b1")
    child = _child_of_latest(registry, "app", "a1", parent="base")
    at = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    _schedule(registry, base, at)
    now = utcnow()
    with registry.work(write=False) as work:
        shown = reads.show_version(
            work, registry.viewer, registry.scope, bucket_name="app", version_id=child.id, now=now
        )
        channel = reads.show_channel(
            work, registry.viewer, registry.scope, bucket_name="app", name="latest", now=now
        )
    # the child's status turns OUT_OF_DATE when the parent's revocation takes effect
    assert shown.version.parents_status is AncestryStatus.UP_TO_DATE
    assert shown.valid_until == channel.valid_until == at
    registry.revoke(base, "CVE")
    now = utcnow()
    with registry.work(write=False) as work:
        shown = reads.show_version(
            work, registry.viewer, registry.scope, bucket_name="app", version_id=child.id, now=now
        )
        children = reads.version_children(
            work, registry.viewer, registry.scope, bucket_name="base", sequence=1, now=now
        )
        listed = reads.list_versions(
            work,
            registry.viewer,
            registry.scope,
            SortedAsk((("id", True),), 0, 10),
            bucket_name="app",
            now=now,
        )
    assert shown.revoked_ancestor is not None and shown.revoked_ancestor.id == base.id
    assert shown.version.parents_status is AncestryStatus.OUT_OF_DATE
    assert [(item.version.id, item.revoked_ancestor) for item in children.each()] == [
        (child.id, children.revoked_ancestors[child.id])
    ]
    assert children.revoked_ancestors[child.id].id == base.id
    assert [item.revoked_ancestor.id for item in listed.each() if item.revoked_ancestor] == [
        base.id
    ]


def test_a_sorted_page_of_versions_holds_each_build_once_and_counts_the_whole_listing(
    registry: Registry,
):
    for n in range(3):
        registry.push("app", f"f{n}", artifacts=2)
    with registry.work(write=False) as work:
        newest = reads.list_versions(
            work,
            registry.viewer,
            registry.scope,
            SortedAsk((("id", True),), 0, 2),
            bucket_name="app",
            now=utcnow(),
            summary=True,
        )
        rest = reads.list_versions(
            work,
            registry.viewer,
            registry.scope,
            SortedAsk((("id", True),), 2, 2),
            bucket_name="app",
            now=utcnow(),
            summary=True,
        )
    assert [item.fingerprint for item in newest.versions] == ["f2", "f1"]
    assert newest.more and newest.total == 3
    assert [item.fingerprint for item in rest.versions] == ["f0"] and not rest.more
    assert [len(item.builds) for item in newest.versions] == [1, 1]
    assert [len(item.builds[0].artifacts) for item in newest.versions] == [2, 2]
