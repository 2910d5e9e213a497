"""Writes named by the path's bucket and fingerprint, found once by their use case, and the
writes a plane answers with a version read."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import zstandard

from packyard.domain.registry import AncestryStatus
from packyard.domain.sbom import SbomFormat, read_upload
from packyard.errors import InvalidArgument, NotFound
from packyard.ids import utcnow
from packyard.services import builds, channels, sboms, versions, vulnerabilities, written
from packyard.services.channels import VersionChoice
from packyard.services.revocation import Revocation, VersionChange
from packyard.services.sboms import BuildPath, PackageFilter
from tests.services.conftest import Registry

REVOKE = VersionChange(revocation=Revocation(message="cve"))


def test_a_version_named_by_fingerprint_is_revoked_and_restored_and_answered_as_a_read(
    registry: Registry,
):
    parent = registry.push("base", "p1")
    registry.push("app", "f1", parent=parent)
    with registry.work() as work:
        revoked = written.change_version(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            fingerprint="f1",
            change=REVOKE,
            now=utcnow(),
        )
    assert revoked.version.fingerprint == "f1"
    assert revoked.version.revocation_message == "cve"
    assert revoked.version.parents_status is AncestryStatus.UNDETERMINED  # its parents read
    with registry.work() as work:
        restored = written.change_version(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            fingerprint="f1",
            change=VersionChange(restore=True),
            now=utcnow(),
            parents_status=False,
        )
    assert restored.version.revoke_at is None
    assert restored.version.parents_status is None  # the 2021 plane shows none


def test_an_unknown_fingerprint_below_get_version_is_not_found_before_the_change_is_checked(
    registry: Registry,
):
    registry.push("app", "f1")
    contradictory = VersionChange(restore=True, revocation=Revocation())
    with registry.work() as work:
        with pytest.raises(NotFound, match='no version with fingerprint "nope" in "app"'):
            written.change_version(
                work,
                registry.admin,
                registry.scope,
                bucket_name="app",
                fingerprint="nope",
                change=contradictory,
                now=utcnow(),
            )
        with pytest.raises(NotFound, match='no version with fingerprint "nope" in "app"'):
            versions.delete_version(
                work,
                registry.admin,
                registry.scope,
                bucket_name="app",
                fingerprint="nope",
                now=utcnow(),
            )
    # named by its id (the 2021 plane), the change is checked first, as before
    with registry.work() as work, pytest.raises(InvalidArgument, match="cannot be combined"):
        written.change_version(
            work,
            registry.admin,
            registry.scope,
            version_id="nope",
            change=contradictory,
            now=utcnow(),
        )


def test_a_build_is_deleted_only_under_the_version_the_path_names(registry: Registry):
    one = registry.push("app", "f1")
    registry.push("app", "f2")
    build_id = one.builds[0].id
    with registry.work() as work:
        with pytest.raises(NotFound, match=f'build "{build_id}" not found'):
            builds.delete_build(
                work, registry.scope, build_id=build_id, bucket_name="app", fingerprint="f2"
            )
        with pytest.raises(NotFound, match='no version with fingerprint "f3" in "app"'):
            builds.delete_build(
                work, registry.scope, build_id=build_id, bucket_name="app", fingerprint="f3"
            )
    with registry.work() as work:
        builds.delete_build(
            work, registry.scope, build_id=build_id, bucket_name="app", fingerprint="f1"
        )
    with registry.work(write=False) as work:
        found = versions.find_version(work, registry.scope, bucket_name="app", fingerprint="f1")
    assert found.builds == []


def test_a_created_version_and_a_copied_assignment_are_answered_as_reads(registry: Registry):
    pushed = registry.push("app", "f1")
    now = utcnow()
    with registry.work() as work:
        made = written.create_version(
            work, registry.admin, registry.scope, bucket_name="app", fingerprint="f2", now=now
        )
        channels.create_channel(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            name="prod",
            choice=VersionChoice(),
            now=now,
        )
        source, target, shown = written.copy_assignment(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            source="latest",
            target="prod",
            now=now + timedelta(seconds=1),
        )
    assert (made.version.fingerprint, made.revoked_ancestor) == ("f2", None)
    assert (source.name, target.name) == ("latest", "prod")
    assert shown.version.id == pushed.id


SPDX = {"spdxVersion": "SPDX-2.3", "name": "m", "packages": [{"name": "zlib", "versionInfo": "1"}]}


def test_an_sbom_path_names_its_build_under_its_version(registry: Registry):
    one = registry.push("app", "f1")
    registry.push("app", "f2")
    build_id = one.builds[0].id
    upload = read_upload(
        zstandard.ZstdCompressor().compress(json.dumps(SPDX).encode()), SbomFormat.SPDX
    )
    here = BuildPath(build_id, "app", "f1")
    with registry.work() as work:
        sboms.upload_sbom(
            work, registry.scope, build_id=here, upload=upload, name="os", now=utcnow()
        )
    with registry.work(write=False) as work:
        assert [item.name for item in sboms.list_sboms(work, registry.scope, build_id=here)] == [
            "os"
        ]
        found, hits = vulnerabilities.build_findings(
            work, registry.scope, build=here, packages=PackageFilter()
        )
        assert [item.package.name for item in found] == ["zlib"]
        assert hits == {}
        with pytest.raises(NotFound, match=f'build "{build_id}" not found'):
            sboms.list_sboms(work, registry.scope, build_id=BuildPath(build_id, "app", "f2"))
        with pytest.raises(NotFound, match='no version with fingerprint "f3" in "app"'):
            sboms.find_sbom(
                work, registry.scope, build_id=BuildPath(build_id, "app", "f3"), name="os"
            )
