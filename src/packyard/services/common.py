"""Look-ups every use case shares: the registry gate, buckets, versions, channels."""

from __future__ import annotations

from typing import TypeVar

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import Bucket, Channel, Version
from packyard.errors import FailedPrecondition, NotFound
from packyard.store.integrity import unique as unique
from packyard.store.work import Work

T = TypeVar("T")


def active_registry(repo: Work, scope: Scope) -> None:
    """Registry content is served only while the project's registry is activated."""
    registry = repo.registry(scope.project_id)
    if registry is None or not registry.activated:
        raise FailedPrecondition("registry not activated")


def find_bucket(repo: Work, scope: Scope, name: str) -> Bucket:
    active_registry(repo, scope)
    bucket = repo.bucket(scope.project_id, name)
    if bucket is None:
        raise NotFound(f'bucket "{name}" not found')
    return bucket


def version_in_bucket(
    repo: Work, bucket: Bucket, version_id: str, *, with_builds: bool = True
) -> Version:
    version = repo.version_in_bucket(bucket.id, version_id=version_id, with_builds=with_builds)
    if version is None:
        raise NotFound(f'version "{version_id}" not found in bucket "{bucket.name}"')
    return version


def version_in_project(
    repo: Work, scope: Scope, version_id: str, *, with_builds: bool = True
) -> Version:
    active_registry(repo, scope)
    version = repo.version_in_project(version_id, scope.project_id, with_builds=with_builds)
    if version is None:
        raise NotFound(f'version "{version_id}" not found')
    return version


def visible_channel(actor: Actor, channel: Channel | None, name: str) -> Channel:
    """The channel, if the actor (acting on its bucket) may read it."""
    if channel is None or not actor.reads_channel(channel.restricted):
        raise NotFound(f'channel "{name}" not found')
    return channel
