"""Workload identity providers of a project's service principal."""

from __future__ import annotations

import pytest

from packyard.domain.workload_identity import PrincipalName, ProviderName
from packyard.errors import AlreadyExists, NotFound
from packyard.ids import utcnow
from packyard.services import workload_identity as wip
from packyard.services.workload_identity import Changes
from tests.services.conftest import Registry

ISSUER = "https://token.actions.githubusercontent.com"


def test_a_provider_belongs_to_a_principal_of_the_project_and_is_named_once(
    registry: Registry,
):
    viewer = PrincipalName(registry.scope.project_id, "viewer")
    with registry.work() as work:
        made = wip.create_provider(
            work,
            registry.scope,
            principal=viewer,
            name="github",
            changes=Changes(issuer_uri=ISSUER, conditional_access='jwt_claims.repository == "a/b"'),
            now=utcnow(),
        )
        with pytest.raises(AlreadyExists):
            wip.create_provider(
                work,
                registry.scope,
                principal=viewer,
                name="github",
                changes=Changes(issuer_uri=ISSUER),
                now=utcnow(),
            )
        with pytest.raises(NotFound):  # the admin is organization-wide, not of the project
            wip.create_provider(
                work,
                registry.scope,
                principal=PrincipalName(registry.scope.project_id, "admin"),
                name="github",
                changes=Changes(issuer_uri=ISSUER),
                now=utcnow(),
            )
    with registry.work(write=False) as work:
        listed = wip.list_providers(work, registry.scope, viewer)
        target = wip.exchange_target(work, ProviderName(viewer, "github"))
    assert [item.id for item in listed] == [made.id]
    assert made.audiences == (made.name.resource_name,)
    assert target.provider.id == made.id
