"""Buckets: create, read, list, update, delete."""

from __future__ import annotations

from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.paging import Page, PageAsk
from packyard.domain.registry import MANAGED_CHANNEL, Bucket, Channel, require_path_name
from packyard.errors import AlreadyExists
from packyard.ids import new_id
from packyard.services.common import active_registry, find_bucket, unique
from packyard.store.work import Work


def summarize(repo: Work, found: list[Bucket]) -> list[Bucket]:
    """Fill the derived fields the bucket's row does not hold: latest complete version and
    platforms (the version count is kept on the row by the writes). A bucket that holds no
    version has neither, so only the others are looked up."""
    ids = [bucket.id for bucket in found if bucket.version_count]
    latest = repo.latest_versions(ids) if ids else {}
    platforms = repo.platforms(ids) if ids else {}
    for bucket in found:
        bucket.latest_version = latest.get(bucket.id)
        bucket.platforms = platforms.get(bucket.id, [])
    return found


def create_bucket(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    name: str,
    description: str = "",
    labels: dict[str, str] | None = None,
    now: datetime,
) -> Bucket:
    active_registry(repo, scope)
    require_path_name(name, "bucket name")
    message = f'bucket "{name}" already exists'
    if repo.bucket(scope.project_id, name) is not None:
        raise AlreadyExists(message)
    bucket = Bucket(
        id=new_id(),
        organization_id=scope.organization_id,
        project_id=scope.project_id,
        name=name,
        description=description,
        labels=dict(labels or {}),
        created_at=now,
        updated_at=now,
    )
    unique(lambda: repo.add_bucket(bucket, now=now), message)
    repo.add_channel(
        Channel(
            id=new_id(),
            bucket_id=bucket.id,
            bucket_name=name,
            name=MANAGED_CHANNEL,
            managed=True,
            restricted=False,
            author_id=actor.name,
            created_at=now,
            updated_at=now,
        )
    )
    return bucket


def get_bucket(repo: Work, scope: Scope, *, name: str) -> Bucket:
    return summarize(repo, [find_bucket(repo, scope, name)])[0]


def list_buckets(
    repo: Work, scope: Scope, *, offset: int = 0, limit: int | None = None
) -> list[Bucket]:
    """The project's buckets in the order they were made, or `limit` of them from `offset`;
    their derived fields are not yet filled: summarize the page shown."""
    active_registry(repo, scope)
    return repo.buckets(scope.project_id, offset=offset, limit=limit)


def bucket_page(repo: Work, scope: Scope, ask: PageAsk) -> Page[Bucket]:
    """A page of the project's buckets in the order they were made; their derived fields
    are not yet filled: summarize the page shown."""
    active_registry(repo, scope)
    return repo.bucket_page(scope.project_id, ask)


def update_bucket(
    repo: Work,
    scope: Scope,
    *,
    name: str,
    description: str | None = None,
    labels: dict[str, str] | None = None,
    now: datetime,
) -> Bucket:
    bucket = find_bucket(repo, scope, name)
    changes: dict[str, object] = {"updated_at": now}
    if description is not None:
        changes["description"] = description
    if labels is not None:
        changes["labels"] = dict(labels)
    repo.change_bucket(bucket.id, **changes)
    return get_bucket(repo, scope, name=name)


def delete_bucket(repo: Work, scope: Scope, *, name: str) -> None:
    """Delete the bucket and everything in it: versions, builds, artifacts, channels."""
    bucket = find_bucket(repo, scope, name)
    repo.remove_bucket(bucket.id)
