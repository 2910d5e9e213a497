"""Enforced blocks and SBOMs, as their use cases keep them."""

from __future__ import annotations

import json

import pytest
import zstandard

from packyard.domain.registry import TemplateType
from packyard.domain.sbom import SbomFormat, read_upload
from packyard.errors import AlreadyExists
from packyard.ids import utcnow
from packyard.services import enforced_blocks, sboms
from tests.services.conftest import Registry

SPDX = {"spdxVersion": "SPDX-2.3", "name": "m", "packages": [{"name": "zlib", "versionInfo": "1"}]}


def test_an_enforced_block_is_named_once_and_keeps_its_versions(registry: Registry):
    with registry.work() as work:
        block = enforced_blocks.create_block(
            work,
            registry.scope,
            name="hardening",
            labels={"team": "sec"},
            version=None,
            template_type=TemplateType.HCL2,
            content='provisioner "shell-local" { inline = ["true"] }',
            description="",
            now=utcnow(),
        )
        with pytest.raises(AlreadyExists):
            enforced_blocks.create_block(
                work,
                registry.scope,
                name="hardening",
                labels=None,
                version=None,
                template_type=TemplateType.HCL2,
                content="",
                description="",
                now=utcnow(),
            )
    with registry.work(write=False) as work:
        listed = enforced_blocks.list_blocks(work, registry.scope)
    assert [(item.name, item.labels) for item in listed] == [("hardening", {"team": "sec"})]
    assert [version.id for version in listed[0].versions] == [block.versions[0].id]


def test_an_sbom_is_kept_with_its_packages_under_its_build(registry: Registry):
    pushed = registry.push("app", "f1")
    build_id = pushed.builds[0].id
    upload = read_upload(
        zstandard.ZstdCompressor().compress(json.dumps(SPDX).encode()), SbomFormat.SPDX
    )
    with registry.work() as work:
        made = sboms.upload_sbom(
            work, registry.scope, build_id=build_id, upload=upload, name="os", now=utcnow()
        )
    with registry.work(write=False) as work:
        listed = sboms.list_sboms(work, registry.scope, build_id=build_id)
        found, document = sboms.sbom_document(work, registry.scope, build_id=build_id, name="os")
    assert [item.id for item in listed] == [made.id]
    assert found.format is SbomFormat.SPDX
    assert json.loads(document) == SPDX
