"""Look-ups every use case shares: the registry gate, buckets, versions, channels."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from packyard.domain.identity import Actor, Role, Scope
from packyard.domain.registry import Bucket, Channel, Version
from packyard.errors import AlreadyExists, FailedPrecondition, NotFound
from packyard.store.repository import Repository
from packyard.store.tables import versions

T = TypeVar("T")


def active_registry(repo: Repository, scope: Scope) -> None:
    """Registry content is served only while the project's registry is activated."""
    registry = repo.registry(scope.project_id)
    if registry is None or not registry.activated:
        raise FailedPrecondition("registry not activated")


def find_bucket(repo: Repository, scope: Scope, name: str) -> Bucket:
    active_registry(repo, scope)
    bucket = repo.bucket(scope.project_id, name)
    if bucket is None:
        raise NotFound(f'bucket "{name}" not found')
    return bucket


def version_in_bucket(
    repo: Repository, bucket: Bucket, version_id: str, *, with_builds: bool = True
) -> Version:
    version = repo.version(
        versions.c.id == version_id, versions.c.bucket_id == bucket.id, with_builds=with_builds
    )
    if version is None:
        raise NotFound(f'version "{version_id}" not found in bucket "{bucket.name}"')
    return version


def version_in_project(
    repo: Repository, scope: Scope, version_id: str, *, with_builds: bool = True
) -> Version:
    active_registry(repo, scope)
    version = repo.version_in_project(version_id, scope.project_id, with_builds=with_builds)
    if version is None:
        raise NotFound(f'version "{version_id}" not found')
    return version


def readable_with(channel: Channel, role: Role) -> bool:
    """Restricted channels do not exist for viewers (of the channel's bucket)."""
    return not channel.restricted or role >= Role.CONTRIBUTOR


def visible_channel(actor: Actor, channel: Channel | None, name: str) -> Channel:
    """The channel, if the actor (acting on its bucket) may read it."""
    if channel is None or not readable_with(channel, actor.role):
        raise NotFound(f'channel "{name}" not found')
    return channel


def unique(write: Callable[[], T], message: str) -> T:
    """Run an insert whose uniqueness the store guards, turning a clash into AlreadyExists."""
    try:
        return write()
    except IntegrityError as exc:
        raise AlreadyExists(message) from exc
