"""Runs last in the API tier: every operation answered 200 and matched its spec schema."""

from __future__ import annotations

from tests.support import contract
from tests.support.server import ApiClient

RESOURCE_MANAGER = {"OrganizationService_List", "ProjectService_List", "ProjectService_Get"}


def test_every_operation_was_validated():
    current = {op.name for op in contract.operations() if op.name.startswith("PackerService_")}
    packer = current | {"GetAncestorImages", "GetChildImages"}  # the early revision's two
    assert len(packer) == 30
    missing = (packer | RESOURCE_MANAGER) - ApiClient.validated
    assert not missing, f"operations never exercised with a validated 200: {sorted(missing)}"
