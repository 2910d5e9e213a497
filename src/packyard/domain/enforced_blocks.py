"""Enforced blocks: provisioner blocks that Packer injects into every build of linked buckets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from packyard.domain.registry import TemplateType
from packyard.errors import InvalidArgument


@dataclass
class BlockVersion:
    id: str
    block_id: str
    version: str
    template_type: TemplateType
    block_content: str
    additional_description: str
    created_at: datetime
    updated_at: datetime


@dataclass
class EnforcedBlock:
    id: str
    organization_id: str
    project_id: str
    name: str
    labels: dict[str, str]
    created_at: datetime
    updated_at: datetime
    versions: list[BlockVersion] = field(default_factory=list)

    @property
    def latest(self) -> BlockVersion | None:
        return max(self.versions, key=lambda item: item.created_at, default=None)


@dataclass(frozen=True)
class BlockLink:
    id: str
    block_id: str
    version_id: str
    bucket_id: str
    created_at: datetime


def check_content(template_type: TemplateType | None, content: str | None) -> TemplateType:
    """A block version needs content and says which template language it is written in."""
    if template_type not in (TemplateType.HCL2, TemplateType.JSON):
        raise InvalidArgument("template_type must be HCL2 or JSON")
    if not content or not content.strip():
        raise InvalidArgument("block_content is required")
    return template_type
