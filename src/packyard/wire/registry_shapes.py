"""Shapes both Packer planes share unchanged: the location and the project's registry."""

from __future__ import annotations

import msgspec

from packyard.domain.registry import Registry
from packyard.ids import rfc3339


class Struct(msgspec.Struct, omit_defaults=True):
    pass


class Location(Struct):
    organization_id: str
    project_id: str


class TfcRunTaskConfig(Struct):
    api_id: str
    hmac_key: str


class RegistryConfig(Struct):
    feature_tier: str
    activated: bool
    tfc_run_task_config: TfcRunTaskConfig | None = None


class RegistryShape(Struct):
    id: str
    location: Location
    config: RegistryConfig
    created_at: str
    updated_at: str


def registry(found: Registry, *, with_run_task: bool = False) -> RegistryShape:
    return RegistryShape(
        id=found.id,
        location=Location(found.organization_id, found.project_id),
        config=RegistryConfig(
            feature_tier=found.feature_tier.value,
            activated=found.activated,
            tfc_run_task_config=TfcRunTaskConfig(found.run_task_api_id, found.run_task_hmac_key)
            if with_run_task
            else None,
        ),
        created_at=rfc3339(found.created_at),
        updated_at=rfc3339(found.updated_at),
    )
