"""The project's registry: activation, feature tier, and the Terraform Cloud run-task key."""

from __future__ import annotations

import secrets
from datetime import datetime

from packyard.domain.identity import Scope
from packyard.domain.registry import FeatureTier, Registry, RunTaskBehaviour
from packyard.errors import AlreadyExists, NotFound
from packyard.ids import new_id
from packyard.store.work import Work


def new_hmac_key() -> str:
    return secrets.token_urlsafe(32)


def get_registry(repo: Work, scope: Scope) -> Registry:
    registry = repo.registry(scope.project_id)
    if registry is None:
        raise NotFound("no registry exists in this project")
    return registry


def create_registry(
    repo: Work, scope: Scope, *, feature_tier: FeatureTier | None = None, now: datetime
) -> Registry:
    """Create the project's registry, or re-activate one that was deactivated."""
    tier = feature_tier if feature_tier not in (None, FeatureTier.UNSET) else FeatureTier.STANDARD
    registry = repo.registry(scope.project_id)
    if registry is not None:
        if registry.activated:
            raise AlreadyExists("the registry already exists and is active")
        repo.change_registry(scope.project_id, activated=True, feature_tier=tier, updated_at=now)
        return get_registry(repo, scope)
    registry = Registry(
        id=new_id(),
        organization_id=scope.organization_id,
        project_id=scope.project_id,
        activated=True,
        feature_tier=tier,
        run_task_api_id=new_id(),
        run_task_hmac_key=new_hmac_key(),
        created_at=now,
        updated_at=now,
    )
    repo.add_registry(registry)
    return registry


def update_registry(
    repo: Work,
    scope: Scope,
    *,
    activate: bool | None = None,
    feature_tier: FeatureTier | None = None,
    now: datetime,
) -> Registry:
    get_registry(repo, scope)
    changes: dict[str, object] = {"updated_at": now}
    if activate is not None:
        changes["activated"] = activate
    if feature_tier not in (None, FeatureTier.UNSET):
        changes["feature_tier"] = feature_tier
    repo.change_registry(scope.project_id, **changes)
    return get_registry(repo, scope)


def delete_registry(
    repo: Work, scope: Scope, *, hard_delete: bool = False, now: datetime
) -> Registry:
    """Deactivate the registry; a hard delete also removes it and all of its content."""
    registry = get_registry(repo, scope)
    if not hard_delete:
        return update_registry(repo, scope, activate=False, now=now)
    for bucket in repo.buckets(scope.project_id):
        repo.remove_bucket(bucket.id)
    repo.remove_registry(scope.project_id)
    registry.activated = False
    registry.updated_at = now
    return registry


def regenerate_hmac_key(repo: Work, scope: Scope, *, now: datetime) -> str:
    get_registry(repo, scope)
    key = new_hmac_key()
    repo.change_registry(scope.project_id, run_task_hmac_key=key, updated_at=now)
    return key


def configure_run_task(
    repo: Work, scope: Scope, *, on_untracked: RunTaskBehaviour, now: datetime
) -> Registry:
    get_registry(repo, scope)
    repo.change_registry(scope.project_id, run_task_untracked=on_untracked.value, updated_at=now)
    return get_registry(repo, scope)
