"""The 2023-01-01 response shapes: the 2021 records in the newer vocabulary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

import msgspec

from packyard.domain.registry import (
    Ancestry,
    Artifact,
    Assignment,
    Bucket,
    Build,
    Channel,
    Version,
    VersionState,
)
from packyard.ids import rfc3339
from packyard.wire.registry_shapes import Location


class Struct(msgspec.Struct, omit_defaults=True):
    pass


class ArtifactShape(Struct):
    id: str
    external_identifier: str
    region: str
    created_at: str


class BuildShape(Struct):
    id: str
    version_id: str
    component_type: str
    status: str
    created_at: str
    updated_at: str
    packer_run_uuid: str = ""
    artifacts: list[ArtifactShape] = []
    platform: str = ""
    source_external_identifier: str = ""
    labels: dict[str, str] = {}
    metadata: dict[str, object] | None = None


class RevokedAncestor(Struct):
    href: str
    bucket_name: str
    version_name: str
    version_id: str
    version_fingerprint: str


class VersionShape(Struct):
    id: str
    bucket_name: str
    name: str
    status: str
    author_id: str
    created_at: str
    updated_at: str
    fingerprint: str
    builds: list[BuildShape] = []
    revoke_at: str | None = None
    revocation_message: str = ""
    revocation_author: str = ""
    revocation_type: str | None = None
    revocation_inherited_from: RevokedAncestor | None = None
    has_descendants: bool = False
    template_type: str = "TEMPLATE_TYPE_UNSET"
    parents: AncestryRef | None = None


class AncestryRef(Struct):
    href: str
    status: str


class BucketShape(Struct):
    id: str
    name: str
    location: Location
    created_at: str
    updated_at: str
    version_count: str
    resource_name: str
    description: str = ""
    labels: dict[str, str] = {}
    platforms: list[str] = []
    latest_version: VersionShape | None = None
    parents: AncestryRef | None = None
    children: AncestryRef | None = None


class ChannelShape(Struct):
    id: str
    name: str
    bucket_name: str
    author_id: str
    created_at: str
    updated_at: str
    managed: bool
    restricted: bool
    version: VersionShape | None = None


class AssignmentShape(Struct):
    author_id: str
    assigned_at: str
    version: VersionShape | None = None


class ChannelVersion(Struct):
    id: str
    name: str
    fingerprint: str


class Parent(Struct):
    bucket_name: str
    version_name: str
    version_id: str
    version_fingerprint: str
    channel_name: str = ""
    channel_version: ChannelVersion | None = None


class Child(Struct):
    bucket_name: str
    version_name: str
    version_id: str
    version_fingerprint: str


class AncestryShape(Struct):
    status: str
    parent: Parent
    child: Child


_STATUS = {
    VersionState.RUNNING: "VERSION_RUNNING",
    VersionState.CANCELLED: "VERSION_CANCELLED",
    VersionState.FAILED: "VERSION_FAILED",
    VersionState.REVOKED: "VERSION_REVOKED",
    VersionState.REVOCATION_SCHEDULED: "VERSION_REVOCATION_SCHEDULED",
    VersionState.ACTIVE: "VERSION_ACTIVE",
}
_METADATA_KEYS = ("packer", "cicd", "vcs")


def version_name(version: Version) -> str:
    """Incomplete versions are "v0"; Packer takes any other name as complete."""
    return f"v{version.sequence or 0}"


def resource_name(bucket: Bucket) -> str:
    return f"packer/project/{bucket.project_id}/bucket/{bucket.name}"


def artifact(found: Artifact) -> ArtifactShape:
    return ArtifactShape(
        found.id, found.external_identifier, found.region, rfc3339(found.created_at)
    )


def build(found: Build) -> BuildShape:
    # BuildMetadata's parts are objects; Packer sends null for the parts it has not.
    metadata = {
        key: found.metadata[key]
        for key in _METADATA_KEYS
        if isinstance(found.metadata.get(key), dict)
    }
    return BuildShape(
        id=found.id,
        version_id=found.version_id,
        component_type=found.component_type,
        status="BUILD_" + found.status.value,
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        packer_run_uuid=found.packer_run_uuid,
        artifacts=[artifact(item) for item in found.artifacts],
        platform=found.platform,
        source_external_identifier=found.source_external_identifier,
        labels=found.labels,
        metadata=metadata or None,
    )


@dataclass(frozen=True)
class View:
    """What a rendering needs beyond the record: the time, and the project's API path."""

    now: datetime
    base: str


def _ancestry(
    view: View, bucket_name: str, kind: str, status: object, extra: str = ""
) -> AncestryRef | None:
    if status is None:
        return None
    href = f"{view.base}/buckets/{bucket_name}/ancestry?type=ANCESTRY_TYPE_{kind}{extra}"
    return AncestryRef(href, str(getattr(status, "value", status)))


class _Revocation(TypedDict, total=False):
    revoke_at: str
    revocation_message: str
    revocation_author: str
    revocation_type: str
    revocation_inherited_from: RevokedAncestor | None


def version(found: Version, view: View, ancestor: RevokedAncestor | None = None) -> VersionShape:
    revocation: _Revocation = {}
    if found.revoke_at is not None:
        revocation = {
            "revoke_at": rfc3339(found.revoke_at),
            "revocation_message": found.revocation_message,
            "revocation_author": found.revocation_author,
            "revocation_type": "INHERITED" if found.revoked_from_id else "MANUAL",
            "revocation_inherited_from": ancestor,
        }
    return VersionShape(
        id=found.id,
        bucket_name=found.bucket_name,
        name=version_name(found),
        status=_STATUS[found.state(view.now)],
        author_id=found.author_id,
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        fingerprint=found.fingerprint,
        builds=[build(item) for item in found.builds],
        has_descendants=found.has_descendants,
        template_type=found.template_type.value,
        parents=_ancestry(
            view,
            found.bucket_name,
            "PARENTS",
            found.parents_status,
            f"&version_fingerprint={found.fingerprint}",
        ),
        **revocation,
    )


def bucket(found: Bucket, view: View) -> BucketShape:
    return BucketShape(
        id=found.id,
        name=found.name,
        location=Location(found.organization_id, found.project_id),
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        version_count=str(found.version_count),
        resource_name=resource_name(found),
        description=found.description,
        labels=found.labels,
        platforms=found.platforms,
        latest_version=version(found.latest_version, view) if found.latest_version else None,
        parents=_ancestry(
            view,
            found.name,
            "PARENTS",
            found.latest_version.parents_status if found.latest_version else None,
        ),
        children=_ancestry(view, found.name, "CHILDREN", found.children_status),
    )


def channel(found: Channel, view: View) -> ChannelShape:
    return ChannelShape(
        id=found.id,
        name=found.name,
        bucket_name=found.bucket_name,
        author_id=found.author_id,
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        managed=found.managed,
        restricted=found.restricted,
        version=version(found.version, view) if found.version else None,
    )


def assignment(entry: Assignment, view: View) -> AssignmentShape:
    return AssignmentShape(
        author_id=entry.author_id,
        assigned_at=rfc3339(entry.created_at),
        version=version(entry.version, view) if entry.version else None,
    )


def relation(found: Ancestry) -> AncestryShape:
    parent, child = found.parent, found.child
    current = found.channel.version if found.channel else None
    return AncestryShape(
        status=found.status.value,
        parent=Parent(
            bucket_name=parent.bucket_name,
            version_name=version_name(parent),
            version_id=parent.id,
            version_fingerprint=parent.fingerprint,
            channel_name=found.channel.name if found.channel else "",
            channel_version=ChannelVersion(current.id, version_name(current), current.fingerprint)
            if current
            else None,
        ),
        child=Child(
            bucket_name=child.bucket_name,
            version_name=version_name(child),
            version_id=child.id,
            version_fingerprint=child.fingerprint,
        ),
    )


def external_version(found: Version, now: datetime) -> dict[str, object]:
    """The short version record that artifact search answers."""
    shape: dict[str, object] = {
        "id": found.id,
        "name": version_name(found),
        "status": _STATUS[found.state(now)],
        "author_id": found.author_id,
        "fingerprint": found.fingerprint,
    }
    if found.revoke_at is not None:
        shape.update(
            revoke_at=rfc3339(found.revoke_at),
            revocation_message=found.revocation_message,
            revocation_author=found.revocation_author,
            revocation_type="INHERITED" if found.revoked_from_id else "MANUAL",
        )
    return shape
