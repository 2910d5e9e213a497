"""Reads and writes of enforced blocks, their versions and their bucket links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update

from packyard.domain.enforced_blocks import BlockLink, BlockVersion, EnforcedBlock
from packyard.domain.registry import TemplateType
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import enforced_block_links, enforced_block_versions, enforced_blocks

# What Packer asks before each build: the blocks linked to a bucket (built once).
_LINKS_OF_BUCKET = Prebuilt(
    select(enforced_block_links)
    .where(enforced_block_links.c.bucket_id == bindparam("bucket"))
    .order_by(enforced_block_links.c.id)
)


def _link(row: Any) -> BlockLink:
    return BlockLink(row.id, row.block_id, row.version_id, row.bucket_id, row.created_at)


def _version(row: Any) -> BlockVersion:
    return BlockVersion(
        id=row.id,
        block_id=row.block_id,
        version=row.version,
        template_type=TemplateType(row.template_type),
        block_content=row.block_content,
        additional_description=row.additional_description,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class EnforcedBlocks:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _blocks(self, *where: Any) -> list[EnforcedBlock]:
        rows = self.conn.execute(
            select(enforced_blocks).where(*where).order_by(enforced_blocks.c.name)
        )
        found = [
            EnforcedBlock(
                row.id,
                row.organization_id,
                row.project_id,
                row.name,
                dict(row.labels or {}),
                row.created_at,
                row.updated_at,
            )
            for row in rows
        ]
        by_id = {block.id: block for block in found}
        if by_id:
            versions = self.conn.execute(
                select(enforced_block_versions)
                .where(enforced_block_versions.c.block_id.in_(by_id))
                .order_by(enforced_block_versions.c.id)
            )
            for row in versions:
                by_id[row.block_id].versions.append(_version(row))
        return found

    def in_project(self, project_id: str) -> list[EnforcedBlock]:
        return self._blocks(enforced_blocks.c.project_id == project_id)

    def block(self, project_id: str, block_id: str) -> EnforcedBlock | None:
        found = self._blocks(
            enforced_blocks.c.project_id == project_id, enforced_blocks.c.id == block_id
        )
        return found[0] if found else None

    def by_name(self, project_id: str, name: str) -> EnforcedBlock | None:
        found = self._blocks(
            enforced_blocks.c.project_id == project_id, enforced_blocks.c.name == name
        )
        return found[0] if found else None

    def add_block(self, block: EnforcedBlock) -> None:
        self.conn.execute(
            insert(enforced_blocks).values(
                id=block.id,
                organization_id=block.organization_id,
                project_id=block.project_id,
                name=block.name,
                labels=block.labels,
                created_at=block.created_at,
                updated_at=block.updated_at,
            )
        )

    def change_block(self, block_id: str, **values: Any) -> None:
        self.conn.execute(
            update(enforced_blocks).where(enforced_blocks.c.id == block_id).values(**values)
        )

    def remove_block(self, block_id: str) -> None:
        self.conn.execute(delete(enforced_blocks).where(enforced_blocks.c.id == block_id))

    def add_version(self, version: BlockVersion) -> None:
        self.conn.execute(
            insert(enforced_block_versions).values(
                id=version.id,
                block_id=version.block_id,
                version=version.version,
                template_type=version.template_type.value,
                block_content=version.block_content,
                additional_description=version.additional_description,
                created_at=version.created_at,
                updated_at=version.updated_at,
            )
        )

    def change_version(self, version_id: str, **values: Any) -> None:
        self.conn.execute(
            update(enforced_block_versions)
            .where(enforced_block_versions.c.id == version_id)
            .values(**values)
        )

    def remove_version(self, version_id: str) -> None:
        self.conn.execute(
            delete(enforced_block_versions).where(enforced_block_versions.c.id == version_id)
        )

    def links(
        self,
        *,
        block_id: str | None = None,
        version_id: str | None = None,
        bucket_id: str | None = None,
    ) -> list[BlockLink]:
        where = []
        if block_id:
            where.append(enforced_block_links.c.block_id == block_id)
        if version_id:
            where.append(enforced_block_links.c.version_id == version_id)
        if bucket_id:
            where.append(enforced_block_links.c.bucket_id == bucket_id)
        rows = self.conn.execute(
            select(enforced_block_links).where(*where).order_by(enforced_block_links.c.id)
        )
        return [_link(row) for row in rows]

    def links_of_bucket(self, bucket_id: str) -> list[BlockLink]:
        return [_link(row) for row in _LINKS_OF_BUCKET.run(self.conn, {"bucket": bucket_id})]

    def replace_links(self, block_id: str, version_id: str, found: list[BlockLink]) -> None:
        """The block is linked to exactly these buckets at this version."""
        self.conn.execute(
            delete(enforced_block_links).where(
                enforced_block_links.c.block_id == block_id,
                or_(
                    enforced_block_links.c.version_id == version_id,
                    enforced_block_links.c.bucket_id.in_([link.bucket_id for link in found]),
                ),
            )
        )
        if found:
            self.conn.execute(
                insert(enforced_block_links),
                [
                    {
                        "id": link.id,
                        "block_id": link.block_id,
                        "version_id": link.version_id,
                        "bucket_id": link.bucket_id,
                        "created_at": link.created_at,
                    }
                    for link in found
                ],
            )
