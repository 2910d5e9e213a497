"""Ancestry, revocation and the artifact search, over versions pushed as Packer pushes them."""

from __future__ import annotations

from datetime import timedelta

from packyard.ids import utcnow
from packyard.services import ancestry, revocation, search, versions
from tests.services.conftest import Registry


def test_a_child_lists_its_parent_and_inherits_its_revocation(registry: Registry):
    base = registry.push("base", "b1")
    child = registry.push("app", "a1", parent=base)
    with registry.work(write=False) as work:
        parents = ancestry.version_ancestors(
            work, registry.viewer, registry.scope, bucket_name="app", sequence=1, now=utcnow()
        )
    assert [item.id for item in parents] == [base.id]
    revoked = registry.revoke(base, "CVE")
    assert revoked.is_revoked(utcnow() + timedelta(seconds=1))
    with registry.work(write=False) as work:
        found = versions.find_version(work, registry.scope, bucket_name="app", version_id=child.id)
        root = revocation.inherited_from(work, registry.viewer, found)
    assert found.revoked_from_id == base.id and found.revocation_message == "CVE"
    assert root is not None and root.id == base.id


def test_an_artifact_is_found_with_its_bucket_version_and_build(registry: Registry):
    pushed = registry.push("app", "f1", artifacts=2)
    registry.push("web", "f2")
    with registry.work(write=False) as work:
        found = search.find_artifacts(work, registry.scope, external_identifier="ami-f1-1")
        none = search.find_artifacts(work, registry.scope, external_identifier="ami-nope")
    assert [(item.bucket.name, item.version.id) for item in found] == [("app", pushed.id)]
    assert found[0].build.component_type == "amazon-ebs.app"
    assert none == []
