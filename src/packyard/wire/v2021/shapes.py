"""The 2021-04-30 response shapes and how domain objects render into them."""

from __future__ import annotations

from datetime import datetime
from typing import NotRequired, TypedDict

import msgspec

from packyard.domain.registry import (
    Ancestry,
    AncestryStatus,
    Artifact,
    Assignment,
    Bucket,
    Build,
    Channel,
    Version,
    VersionState,
)
from packyard.ids import rfc3339
from packyard.wire.http import Pagination
from packyard.wire.registry_shapes import Location


class Struct(msgspec.Struct, omit_defaults=True):
    pass


class Image(Struct):
    id: str
    image_id: str
    region: str
    created_at: str


class BuildShape(Struct):
    id: str
    iteration_id: str
    component_type: str
    status: str
    created_at: str
    updated_at: str
    packer_run_uuid: str = ""
    images: list[Image] = []
    cloud_provider: str = ""
    source_image_id: str = ""
    labels: dict[str, str] = {}


class RevokedAncestor(Struct):
    href: str
    bucket_slug: str
    iteration_id: str
    iteration_fingerprint: str
    iteration_incremental_version: int = 0


class IterationBase(Struct):
    id: str
    bucket_slug: str
    fingerprint: str
    complete: bool
    author_id: str
    created_at: str
    updated_at: str
    incremental_version: int = 0
    revoke_at: str | None = None
    revocation_message: str = ""
    revocation_author: str = ""
    revocation_type: str | None = None
    revocation_inherited_from: RevokedAncestor | None = None
    has_descendants: bool = False


class Iteration(IterationBase):
    builds: list[BuildShape] = []
    template_type: str = "TEMPLATE_TYPE_UNSET"


class IterationForList(IterationBase):
    build_statuses: dict[str, str] = {}


class LatestIteration(Struct):
    id: str
    bucket_slug: str
    fingerprint: str
    complete: bool
    author_id: str
    created_at: str
    updated_at: str
    incremental_version: int = 0
    builds: list[BuildShape] = []
    revoke_at: str | None = None
    revocation_message: str = ""
    revocation_author: str = ""
    revocation_type: str | None = None


class AncestryRef(Struct):
    href: str
    status: str


class BucketShape(Struct):
    id: str
    slug: str
    location: Location
    created_at: str
    updated_at: str
    iteration_count: str
    description: str = ""
    labels: dict[str, str] = {}
    platforms: list[str] = []
    latest_iteration: LatestIteration | None = None
    latest_version: int = 0
    parents: AncestryRef | None = None
    children: AncestryRef | None = None


class ChannelShape(Struct):
    id: str
    slug: str
    bucket_slug: str
    author_id: str
    created_at: str
    updated_at: str
    managed: bool
    restricted: bool
    iteration: Iteration | None = None


class AssignedIteration(Struct):
    id: str
    fingerprint: str
    status: str
    incremental_version: int = 0


class AssignmentShape(Struct):
    author_id: str
    promoted_at: str
    iteration: AssignedIteration | None = None


class AncestryParent(Struct):
    bucket_slug: str
    iteration_id: str
    iteration_fingerprint: str
    iteration_incremental_version: int = 0
    channel: str = ""
    channel_iteration: dict[str, object] | None = None


class AncestryChild(Struct):
    bucket_slug: str
    iteration_id: str
    iteration_fingerprint: str
    iteration_incremental_version: int = 0


class AncestryShape(Struct):
    status: str
    parent: AncestryParent
    child: AncestryChild


class Page(Struct):
    pagination: Pagination


def image(artifact: Artifact) -> Image:
    return Image(
        artifact.id, artifact.external_identifier, artifact.region, rfc3339(artifact.created_at)
    )


def build(found: Build) -> BuildShape:
    return BuildShape(
        id=found.id,
        iteration_id=found.version_id,
        component_type=found.component_type,
        status=found.status.value,
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        packer_run_uuid=found.packer_run_uuid,
        images=[image(artifact) for artifact in found.artifacts],
        cloud_provider=found.platform,
        source_image_id=found.source_external_identifier,
        labels=found.labels,
    )


class _Revocation(TypedDict, total=False):
    revoke_at: str
    revocation_message: str
    revocation_author: str
    revocation_type: str


class _Common(TypedDict):
    id: str
    bucket_slug: str
    fingerprint: str
    complete: bool
    author_id: str
    created_at: str
    updated_at: str
    incremental_version: int
    revoke_at: NotRequired[str]
    revocation_message: NotRequired[str]
    revocation_author: NotRequired[str]
    revocation_type: NotRequired[str]


def _revocation(version: Version) -> _Revocation:
    if version.revoke_at is None:
        return {}
    return {
        "revoke_at": rfc3339(version.revoke_at),
        "revocation_message": version.revocation_message,
        "revocation_author": version.revocation_author,
        "revocation_type": "INHERITED" if version.revoked_from_id else "MANUAL",
    }


def _common(version: Version) -> _Common:
    return {
        "id": version.id,
        "bucket_slug": version.bucket_name,
        "fingerprint": version.fingerprint,
        "complete": version.complete,
        "author_id": version.author_id,
        "created_at": rfc3339(version.created_at),
        "updated_at": rfc3339(version.updated_at),
        "incremental_version": version.sequence or 0,
        **_revocation(version),
    }


def iteration(version: Version, ancestor: RevokedAncestor | None = None) -> Iteration:
    return Iteration(
        **_common(version),
        has_descendants=version.has_descendants,
        revocation_inherited_from=ancestor,
        builds=[build(item) for item in version.builds],
        template_type=version.template_type.value,
    )


def iteration_for_list(version: Version) -> IterationForList:
    return IterationForList(
        **_common(version),
        has_descendants=version.has_descendants,
        build_statuses=version.build_statuses(),
    )


def latest_iteration(version: Version) -> LatestIteration:
    return LatestIteration(
        **_common(version),
        builds=[build(item) for item in version.builds],
    )


def _ancestry(found: Bucket, kind: str, status: AncestryStatus | None) -> AncestryRef | None:
    if status is None:
        return None
    href = (
        f"/packer/2021-04-30/organizations/{found.organization_id}/projects/{found.project_id}"
        f"/images/{found.name}/ancestry?type={kind}"
    )
    return AncestryRef(href, status.value)


def bucket(found: Bucket) -> BucketShape:
    latest = found.latest_version
    return BucketShape(
        id=found.id,
        slug=found.name,
        location=Location(found.organization_id, found.project_id),
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        iteration_count=str(found.version_count),
        description=found.description,
        labels=found.labels,
        platforms=found.platforms,
        latest_iteration=latest_iteration(found.latest_version) if found.latest_version else None,
        latest_version=(found.latest_version.sequence or 0) if found.latest_version else 0,
        parents=_ancestry(found, "parents", latest.parents_status if latest else None),
        children=_ancestry(found, "children", found.children_status),
    )


def channel(found: Channel) -> ChannelShape:
    return ChannelShape(
        id=found.id,
        slug=found.name,
        bucket_slug=found.bucket_name,
        author_id=found.author_id,
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
        managed=found.managed,
        restricted=found.restricted,
        iteration=iteration(found.version) if found.version else None,
    )


_EXTERNAL_STATUS = {
    VersionState.RUNNING: "ITERATION_RUNNING",
    VersionState.CANCELLED: "ITERATION_CANCELLED",
    VersionState.FAILED: "ITERATION_FAILED",
    VersionState.REVOKED: "ITERATION_REVOKED",
    VersionState.REVOCATION_SCHEDULED: "ITERATION_REVOCATION_SCHEDULED",
    VersionState.ACTIVE: "ITERATION_ACTIVE",
}


def assignment(entry: Assignment, now: datetime) -> AssignmentShape:
    version = entry.version
    return AssignmentShape(
        author_id=entry.author_id,
        promoted_at=rfc3339(entry.created_at),
        iteration=AssignedIteration(
            id=version.id,
            fingerprint=version.fingerprint,
            status=_EXTERNAL_STATUS[version.state(now)],
            incremental_version=version.sequence or 0,
        )
        if version
        else None,
    )


def relation(found: Ancestry) -> AncestryShape:
    parent, child = found.parent, found.child
    channel_version = found.channel.version if found.channel else None
    return AncestryShape(
        status=found.status.value,
        parent=AncestryParent(
            bucket_slug=parent.bucket_name,
            iteration_id=parent.id,
            iteration_fingerprint=parent.fingerprint,
            iteration_incremental_version=parent.sequence or 0,
            channel=found.channel.name if found.channel else "",
            channel_iteration={
                "id": channel_version.id,
                "incremental_version": channel_version.sequence or 0,
                "fingerprint": channel_version.fingerprint,
            }
            if channel_version
            else None,
        ),
        child=AncestryChild(
            bucket_slug=child.bucket_name,
            iteration_id=child.id,
            iteration_fingerprint=child.fingerprint,
            iteration_incremental_version=child.sequence or 0,
        ),
    )
