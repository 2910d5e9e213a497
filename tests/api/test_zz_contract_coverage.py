"""Runs last in the API tier: every operation answered 200 and matched its spec schema."""

from __future__ import annotations

from tests.support import contract
from tests.support.server import ApiClient

RM = "resource-manager-2019-12-10:"
RESOURCE_MANAGER = {
    RM + "OrganizationService_List",
    RM + "ProjectService_List",
    RM + "ProjectService_Get",
    RM + "ResourceService_GetIamPolicy",
    RM + "ResourceService_SetIamPolicy",
}
EARLY = "packer-2021-04-30-early:"


def test_every_operation_was_validated():
    current = {op.name for op in contract.operations() if op.name.startswith("packer-2021-04-30:")}
    packer = current | {EARLY + "GetAncestorImages", EARLY + "GetChildImages"}
    assert len(packer) == 30
    missing = (packer | RESOURCE_MANAGER) - ApiClient.validated
    assert not missing, f"operations never exercised with a validated 200: {sorted(missing)}"


def test_every_2023_operation_was_validated():
    v2023 = {op.name for op in contract.operations() if op.name.startswith("packer-2023-01-01:")}
    assert len(v2023) == 52
    missing = v2023 - ApiClient.validated
    assert not missing, f"operations never exercised with a validated 200: {sorted(missing)}"


def test_every_extension_operation_was_validated():
    extension = {op.name for op in contract.extension_operations()}
    assert extension >= {
        "packyard-v1:PreviewRevocation",
        "packyard-v1:FindArtifacts",
        "packyard-v1:DiffVersions",
    }
    missing = extension - ApiClient.validated
    assert not missing, f"operations never exercised with a validated 200: {sorted(missing)}"
