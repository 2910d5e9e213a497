"""Enforced blocks on the 2023-01-01 plane."""

from __future__ import annotations

import msgspec

from packyard.domain.enforced_blocks import BlockLink, BlockVersion, EnforcedBlock
from packyard.domain.identity import Role
from packyard.domain.registry import TemplateType
from packyard.domain.update_mask import mask_paths
from packyard.ids import rfc3339
from packyard.services import enforced_blocks as blocks
from packyard.wire.registry_shapes import Location
from packyard.wire.routing import Call, Route
from packyard.wire.v2023 import shapes
from packyard.wire.v2023.routes import PREFIX, view

_BLOCKS = PREFIX + "/enforced_blocks"
_BLOCK = _BLOCKS + "/{enforced_block_id}"
_VERSION = _BLOCK + "/versions/{enforced_block_version_id}"


class CreateBlock(msgspec.Struct):
    name: str | None = None
    template_type: TemplateType | None = None
    block_content: str | None = None
    additional_description: str | None = None
    labels: dict[str, str] | None = None
    version: str | None = None


class UpdateBlock(msgspec.Struct):
    name: str | None = None
    labels: dict[str, str] | None = None
    update_mask: str | None = None


class CreateVersion(msgspec.Struct):
    version: str | None = None
    template_type: TemplateType | None = None
    block_content: str | None = None
    additional_description: str | None = None


class UpdateVersion(msgspec.Struct):
    additional_description: str | None = None
    update_mask: str | None = None


class LinkBuckets(msgspec.Struct):
    bucket_names: list[str] | None = None


def _version(found: BlockVersion) -> dict[str, object]:
    return {
        "id": found.id,
        "enforced_block_id": found.block_id,
        "version": found.version,
        "template_type": found.template_type.value,
        "block_content": found.block_content,
        "additional_description": found.additional_description,
        "created_at": rfc3339(found.created_at),
        "updated_at": rfc3339(found.updated_at),
    }


def _block(found: EnforcedBlock) -> dict[str, object]:
    shape: dict[str, object] = {
        "id": found.id,
        "name": found.name,
        "location": Location(found.organization_id, found.project_id),
        "labels": found.labels,
        "resource_name": f"packer/project/{found.project_id}/enforced-block/{found.name}",
        "created_at": rfc3339(found.created_at),
        "updated_at": rfc3339(found.updated_at),
    }
    if found.latest is not None:
        shape["latest_version"] = _version(found.latest)
    return shape


def _detail(block: EnforcedBlock, version: BlockVersion) -> dict[str, object]:
    return {"id": block.id, "name": block.name, "version": _version(version)}


def _link(found: BlockLink) -> dict[str, object]:
    return {
        "id": found.id,
        "bucket_id": found.bucket_id,
        "enforced_block_id": found.block_id,
        "enforced_block_version_id": found.version_id,
        "created_at": rfc3339(found.created_at),
    }


def _mask(text: str | None, allowed: set[str]) -> tuple[str, ...]:
    return mask_paths(
        text,
        allowed={path: path for path in allowed},
        required=f"update_mask is required: {', '.join(sorted(allowed))}",
    )


def create_block(call: Call) -> object:
    body: CreateBlock = call.body
    found = blocks.create_block(
        call.repo,
        call.scope,
        name=body.name or "",
        labels=body.labels,
        version=body.version,
        template_type=body.template_type,
        content=body.block_content,
        description=body.additional_description or "",
        now=call.now,
    )
    return {"enforced_block": _block(found)}


def list_blocks(call: Call) -> object:
    return {"enforced_blocks": [_block(item) for item in blocks.list_blocks(call.repo, call.scope)]}


def get_block(call: Call) -> object:
    found = blocks.find_block(call.repo, call.scope, call.param("enforced_block_id"))
    return {"enforced_block": _block(found)}


def update_block(call: Call) -> object:
    body: UpdateBlock = call.body
    paths = _mask(body.update_mask, {"name", "labels"})
    found = blocks.update_block(
        call.repo,
        call.scope,
        block_id=call.param("enforced_block_id"),
        name=(body.name or "") if "name" in paths else None,
        labels=(body.labels or {}) if "labels" in paths else None,
        now=call.now,
    )
    return {"enforced_block": _block(found)}


def delete_block(call: Call) -> object:
    blocks.delete_block(call.repo, call.scope, block_id=call.param("enforced_block_id"))
    return {}


def list_versions(call: Call) -> object:
    block = blocks.find_block(call.repo, call.scope, call.param("enforced_block_id"))
    return {"enforced_block_detail": [_detail(block, item) for item in block.versions]}


def create_version(call: Call) -> object:
    body: CreateVersion = call.body
    found = blocks.add_block_version(
        call.repo,
        call.scope,
        block_id=call.param("enforced_block_id"),
        version=body.version,
        template_type=body.template_type,
        content=body.block_content,
        description=body.additional_description or "",
        now=call.now,
    )
    return {"enforced_block_version": _version(found)}


def update_version(call: Call) -> object:
    body: UpdateVersion = call.body
    _mask(body.update_mask, {"additionalDescription", "additional_description"})
    found = blocks.describe_block_version(
        call.repo,
        call.scope,
        block_id=call.param("enforced_block_id"),
        version_id=call.param("enforced_block_version_id"),
        description=body.additional_description or "",
        now=call.now,
    )
    return {"enforced_block_version": _version(found)}


def delete_version(call: Call) -> object:
    blocks.delete_block_version(
        call.repo,
        call.scope,
        block_id=call.param("enforced_block_id"),
        version_id=call.param("enforced_block_version_id"),
    )
    return {}


def linked_buckets(call: Call) -> object:
    found = blocks.linked_buckets(
        call.repo,
        call.scope,
        block_id=call.param("enforced_block_id"),
        version_id=call.param("enforced_block_version_id"),
    )
    return {
        "linked_buckets": [
            {
                "id": link.id,
                "bucket": shapes.bucket(bucket, view(call)),
                "enforced_block_id": link.block_id,
                "enforced_block_version_id": link.version_id,
                "created_at": rfc3339(link.created_at),
            }
            for link, bucket in found
        ]
    }


def link_buckets(call: Call) -> object:
    body: LinkBuckets = call.body
    found = blocks.link_buckets(
        call.repo,
        call.scope,
        block_id=call.param("enforced_block_id"),
        version_id=call.param("enforced_block_version_id"),
        bucket_names=body.bucket_names or [],
        now=call.now,
    )
    return {"enforced_block_buckets": [_link(item) for item in found]}


def blocks_for_bucket(call: Call) -> object:
    found = blocks.blocks_for_bucket(call.repo, call.scope, bucket_name=call.param("bucket_name"))
    return {"enforced_block_detail": [_detail(block, version) for block, version in found]}


V, C, A = Role.VIEWER, Role.CONTRIBUTOR, Role.ADMIN

ROUTES = [
    Route("GET", _BLOCKS, list_blocks, V, "v2023.ListEnforcedBlocks"),
    Route("PUT", _BLOCKS, create_block, C, "v2023.CreateEnforcedBlock", CreateBlock),
    Route(
        "GET",
        _BLOCKS + "/bucket/{bucket_name}",
        blocks_for_bucket,
        V,
        "v2023.GetEnforcedBlocksByBucket",
    ),
    Route("GET", _BLOCK, get_block, V, "v2023.GetEnforcedBlock"),
    Route("DELETE", _BLOCK, delete_block, A, "v2023.DeleteEnforcedBlock"),
    Route("PATCH", _BLOCK, update_block, C, "v2023.UpdateEnforcedBlock", UpdateBlock),
    Route("GET", _BLOCK + "/versions", list_versions, V, "v2023.GetEnforcedBlockVersions"),
    Route(
        "PUT",
        _BLOCK + "/versions",
        create_version,
        C,
        "v2023.CreateEnforcedBlockVersion",
        CreateVersion,
    ),
    Route("DELETE", _VERSION, delete_version, A, "v2023.DeleteEnforcedBlockVersion"),
    Route("PATCH", _VERSION, update_version, C, "v2023.UpdateEnforcedBlockVersion", UpdateVersion),
    Route("GET", _VERSION + "/buckets", linked_buckets, V, "v2023.GetEnforcedBlockLinkedBuckets"),
    Route(
        "POST",
        _VERSION + "/buckets",
        link_buckets,
        C,
        "v2023.ManageEnforcedBlockLinkedBuckets",
        LinkBuckets,
    ),
]
