"""The 2021-04-30 request bodies. Every field is optional; unknown fields are ignored."""

from __future__ import annotations

import msgspec

from packyard.domain.registry import BuildStatus, FeatureTier, TemplateType
from packyard.wire.http import Int32


class Body(msgspec.Struct):
    pass


class CreateBucket(Body):
    bucket_slug: str | None = None
    description: str | None = None
    labels: dict[str, str] | None = None


class UpdateBucket(Body):
    description: str | None = None
    labels: dict[str, str] | None = None


class CreateIteration(Body):
    fingerprint: str | None = None
    template_type: TemplateType | None = None


class UpdateIteration(Body):
    bucket_slug: str | None = None
    complete: bool | None = None
    revocation_message: str | None = None
    revoke_at: str | None = None
    revoke_in: str | None = None
    restore: bool | None = None
    skip_descendants_revocation: bool | None = None
    rollback_channels: bool | None = None


class ImageBody(Body):
    image_id: str | None = None
    region: str | None = None


class BuildFields(Body):
    component_type: str | None = None
    packer_run_uuid: str | None = None
    images: list[ImageBody] | None = None
    cloud_provider: str | None = None
    status: BuildStatus | None = None
    source_image_id: str | None = None
    source_iteration_id: str | None = None
    source_channel_id: str | None = None
    labels: dict[str, str] | None = None


class CreateBuild(Body):
    build: BuildFields | None = None
    fingerprint: str | None = None


class UpdateBuild(Body):
    updates: BuildFields | None = None


class CreateChannel(Body):
    slug: str | None = None
    incremental_version: Int32 | None = None
    iteration_id: str | None = None
    fingerprint: str | None = None
    restriction: str | None = None


class UpdateChannel(CreateChannel):
    mask: str | None = None


class UpdateRegistry(Body):
    feature_tier: FeatureTier | None = None
    activate: bool | None = None
