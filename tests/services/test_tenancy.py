"""Principals and projects (the tenancy service), the registry, and roles on one bucket."""

from __future__ import annotations

import pytest

from packyard.auth.principals import new_key, secret_matches
from packyard.domain.iam import Target
from packyard.domain.identity import Role
from packyard.errors import Aborted, AlreadyExists, FailedPrecondition, NotFound
from packyard.ids import utcnow
from packyard.services import buckets, iam, tenants
from packyard.services import registry as registries
from tests.services.conftest import Registry


def test_a_principal_is_made_only_in_a_project_of_its_organization(registry: Registry):
    with registry.work() as work:
        elsewhere = tenants.create_project(work, name="other", organization_id=None, now=utcnow())
        with pytest.raises(NotFound, match="not found"):
            tenants.create_principal(
                work,
                name="ci",
                role=Role.CONTRIBUTOR,
                organization_id=registry.scope.organization_id,
                project_id=elsewhere.project_id,
                key=new_key(),
                now=utcnow(),
            )
        made = tenants.create_principal(
            work,
            name="ci",
            role=Role.CONTRIBUTOR,
            organization_id=registry.scope.organization_id,
            project_id=registry.scope.project_id,
            key=new_key(),
            now=utcnow(),
        )
        with pytest.raises(AlreadyExists):
            tenants.create_principal(
                work,
                name="ci",
                role=Role.VIEWER,
                organization_id=registry.scope.organization_id,
                project_id=None,
                key=new_key(),
                now=utcnow(),
            )
    with registry.work(write=False) as work:
        names = [row.name for row in tenants.list_principals(work)]
        seen = tenants.projects_seen(work, registry.viewer, registry.scope.organization_id)
        with pytest.raises(NotFound):
            tenants.project_seen(work, registry.admin, elsewhere.project_id)
    assert names == ["admin", "viewer", "ci"]
    assert [row.id for row in seen] == [registry.scope.project_id]
    assert made.project_id == registry.scope.project_id


def test_a_rotated_principal_keeps_its_client_id_and_only_the_new_secret_matches(
    registry: Registry,
):
    with registry.work() as work:
        before = next(row for row in tenants.list_principals(work) if row.name == "viewer")
        rotated = tenants.rotate_principal(work, name="viewer", key=new_key())
    with registry.work(write=False) as work:
        after = next(row for row in tenants.list_principals(work) if row.name == "viewer")
    assert rotated.client_id == before.client_id
    assert after.secret_generation == before.secret_generation + 1
    assert secret_matches(after.secret_hash, rotated.client_secret)


def test_a_deactivated_registry_serves_no_content(registry: Registry):
    registry.push("app", "f1")
    with registry.work() as work:
        registries.update_registry(
            work, registry.scope, activate=False, feature_tier=None, now=utcnow()
        )
    with registry.work(write=False) as work, pytest.raises(FailedPrecondition):
        buckets.get_bucket(work, registry.scope, name="app")


def test_a_role_granted_on_one_bucket_is_the_callers_there_only(registry: Registry):
    now = utcnow()
    with registry.work() as work:
        buckets.create_bucket(work, registry.admin, registry.scope, name="app", now=now)
        buckets.create_bucket(work, registry.admin, registry.scope, name="web", now=now)
        name = f"packer/project/{registry.scope.project_id}/bucket/app"
        policy = iam.get_bucket_policy(work, registry.scope, resource_name=name)
        iam.set_bucket_policy(
            work,
            registry.scope,
            resource_name=name,
            expected_etag=policy.etag,
            bindings=[("roles/contributor", [(registry.viewer.principal_id, "SERVICE_PRINCIPAL")])],
            now=now,
        )
        with pytest.raises(Aborted):  # the policy changed since it was read
            iam.set_bucket_policy(
                work,
                registry.scope,
                resource_name=name,
                expected_etag=policy.etag,
                bindings=[],
                now=now,
            )
    with registry.work(write=False) as work:
        on_app = iam.role_on_bucket(
            work, registry.viewer, registry.scope, Target(bucket_name="app")
        )
        on_web = iam.role_on_bucket(
            work, registry.viewer, registry.scope, Target(bucket_name="web")
        )
    assert on_app is Role.CONTRIBUTOR
    assert on_web is None
