"""The 2023-01-01 request bodies. Every field is optional; unknown fields are ignored."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from packyard.domain.registry import BuildStatus, FeatureTier, RunTaskBehaviour, TemplateType


class BuildStatus2023(StrEnum):
    UNSET = "BUILD_UNSET"
    RUNNING = "BUILD_RUNNING"
    DONE = "BUILD_DONE"
    CANCELLED = "BUILD_CANCELLED"
    FAILED = "BUILD_FAILED"

    @property
    def domain(self) -> BuildStatus:
        return BuildStatus(self.value.removeprefix("BUILD_"))


class Body(msgspec.Struct):
    pass


class CreateBucket(Body):
    name: str | None = None
    description: str | None = None
    labels: dict[str, str] | None = None


class UpdateBucket(Body):
    description: str | None = None
    labels: dict[str, str] | None = None


class CreateVersion(Body):
    fingerprint: str | None = None
    template_type: TemplateType | None = None


class UpdateVersion(Body):
    complete: bool | None = None
    revocation_message: str | None = None
    revoke_at: str | None = None
    revoke_in: str | None = None
    restore: bool | None = None
    skip_descendants_revocation: bool | None = None
    disable_rollback_channels: bool | None = None


class ArtifactBody(Body):
    external_identifier: str | None = None
    region: str | None = None


class BuildFields(Body):
    component_type: str | None = None
    packer_run_uuid: str | None = None
    artifacts: list[ArtifactBody] | None = None
    platform: str | None = None
    status: BuildStatus2023 | None = None
    source_external_identifier: str | None = None
    parent_version_id: str | None = None
    parent_channel_id: str | None = None
    labels: dict[str, str] | None = None
    metadata: dict[str, object] | None = None


class CreateChannel(Body):
    name: str | None = None
    version_fingerprint: str | None = None
    restricted: bool | None = None


class UpdateChannel(Body):
    version_fingerprint: str | None = None
    restricted: bool | None = None
    update_mask: str | None = None


class AssignChannel(Body):
    source_channel: str | None = None
    target_channel: str | None = None


class UpdateRegistry(Body):
    feature_tier: FeatureTier | None = None
    activated: bool | None = None
    update_mask: str | None = None


class UpdateRunTaskConfig(Body):
    on_untracked_image: RunTaskBehaviour | None = None
