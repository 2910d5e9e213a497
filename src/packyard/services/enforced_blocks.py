"""Enforced blocks: create and version them, link them to buckets, answer Packer's look-up."""

from __future__ import annotations

from datetime import datetime

from packyard.domain.enforced_blocks import BlockLink, BlockVersion, EnforcedBlock, check_content
from packyard.domain.identity import Scope
from packyard.domain.registry import Bucket, TemplateType, require_name
from packyard.errors import AlreadyExists, NotFound
from packyard.ids import new_id
from packyard.services.common import active_registry, find_bucket, unique
from packyard.store.enforced_blocks import EnforcedBlocks
from packyard.store.work import Work


def _store(repo: Work) -> EnforcedBlocks:
    return repo.enforced_blocks


def find_block(repo: Work, scope: Scope, block_id: str) -> EnforcedBlock:
    active_registry(repo, scope)
    block = _store(repo).block(scope.project_id, block_id)
    if block is None:
        raise NotFound(f'enforced block "{block_id}" not found')
    return block


def find_block_version(block: EnforcedBlock, version_id: str) -> BlockVersion:
    for version in block.versions:
        if version.id == version_id:
            return version
    raise NotFound(f'version "{version_id}" of enforced block "{block.name}" not found')


def _new_version(
    block_id: str,
    *,
    version: str,
    template_type: TemplateType | None,
    content: str | None,
    description: str,
    now: datetime,
) -> BlockVersion:
    return BlockVersion(
        id=new_id(),
        block_id=block_id,
        version=require_name(version, "version", limit=100),
        template_type=check_content(template_type, content),
        block_content=content or "",
        additional_description=description,
        created_at=now,
        updated_at=now,
    )


def create_block(
    repo: Work,
    scope: Scope,
    *,
    name: str,
    labels: dict[str, str] | None,
    version: str | None,
    template_type: TemplateType | None,
    content: str | None,
    description: str,
    now: datetime,
) -> EnforcedBlock:
    active_registry(repo, scope)
    require_name(name, "name")
    message = f'an enforced block named "{name}" already exists'
    if _store(repo).by_name(scope.project_id, name) is not None:
        raise AlreadyExists(message)
    block = EnforcedBlock(
        new_id(), scope.organization_id, scope.project_id, name, dict(labels or {}), now, now
    )
    first = _new_version(
        block.id,
        version=version or "v1",
        template_type=template_type,
        content=content,
        description=description,
        now=now,
    )
    unique(lambda: _store(repo).add_block(block), message)
    _store(repo).add_version(first)
    block.versions.append(first)
    return block


def list_blocks(repo: Work, scope: Scope) -> list[EnforcedBlock]:
    active_registry(repo, scope)
    return _store(repo).in_project(scope.project_id)


def update_block(
    repo: Work,
    scope: Scope,
    *,
    block_id: str,
    name: str | None,
    labels: dict[str, str] | None,
    now: datetime,
) -> EnforcedBlock:
    block = find_block(repo, scope, block_id)
    values: dict[str, object] = {"updated_at": now}
    if name is not None:
        require_name(name, "name")
        values["name"] = name
    if labels is not None:
        values["labels"] = dict(labels)
    unique(
        lambda: _store(repo).change_block(block.id, **values),
        f'an enforced block named "{name}" already exists',
    )
    return find_block(repo, scope, block_id)


def delete_block(repo: Work, scope: Scope, *, block_id: str) -> None:
    _store(repo).remove_block(find_block(repo, scope, block_id).id)


def add_block_version(
    repo: Work,
    scope: Scope,
    *,
    block_id: str,
    version: str | None,
    template_type: TemplateType | None,
    content: str | None,
    description: str,
    now: datetime,
) -> BlockVersion:
    block = find_block(repo, scope, block_id)
    created = _new_version(
        block.id,
        version=version or "",
        template_type=template_type,
        content=content,
        description=description,
        now=now,
    )
    message = f'enforced block "{block.name}" already has a version "{created.version}"'
    if any(item.version == created.version for item in block.versions):
        raise AlreadyExists(message)
    unique(lambda: _store(repo).add_version(created), message)
    _store(repo).change_block(block.id, updated_at=now)
    return created


def describe_block_version(
    repo: Work,
    scope: Scope,
    *,
    block_id: str,
    version_id: str,
    description: str,
    now: datetime,
) -> BlockVersion:
    version = find_block_version(find_block(repo, scope, block_id), version_id)
    _store(repo).change_version(version.id, additional_description=description, updated_at=now)
    version.additional_description, version.updated_at = description, now
    return version


def delete_block_version(repo: Work, scope: Scope, *, block_id: str, version_id: str) -> None:
    version = find_block_version(find_block(repo, scope, block_id), version_id)
    _store(repo).remove_version(version.id)


def linked_buckets(
    repo: Work, scope: Scope, *, block_id: str, version_id: str
) -> list[tuple[BlockLink, Bucket]]:
    version = find_block_version(find_block(repo, scope, block_id), version_id)
    found = []
    for link in _store(repo).links(version_id=version.id):
        bucket = repo.bucket_by_id(link.bucket_id)
        if bucket is not None:
            found.append((link, bucket))
    return found


def link_buckets(
    repo: Work,
    scope: Scope,
    *,
    block_id: str,
    version_id: str,
    bucket_names: list[str],
    now: datetime,
) -> list[BlockLink]:
    """Link the block, at this version, to exactly these buckets."""
    version = find_block_version(find_block(repo, scope, block_id), version_id)
    chosen = {name: find_bucket(repo, scope, name) for name in bucket_names}
    links = [
        BlockLink(new_id(), block_id, version.id, bucket.id, now) for bucket in chosen.values()
    ]
    _store(repo).replace_links(block_id, version.id, links)
    return links


def blocks_for_bucket(
    repo: Work, scope: Scope, *, bucket_name: str
) -> list[tuple[EnforcedBlock, BlockVersion]]:
    """What Packer injects into a build of this bucket: each linked block at its version."""
    bucket = find_bucket(repo, scope, bucket_name)
    found = []
    for link in _store(repo).links_of_bucket(bucket.id):
        block = _store(repo).block(scope.project_id, link.block_id)
        if block is not None:
            found.append((block, find_block_version(block, link.version_id)))
    return found
