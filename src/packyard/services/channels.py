"""Channels: named pointers to a version, with an append-only assignment history."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import (
    Assignment,
    AssignmentReason,
    Bucket,
    Channel,
    Version,
    require_name,
    require_path_name,
)
from packyard.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from packyard.ids import new_id
from packyard.services import events
from packyard.services.common import (
    find_bucket,
    unique,
    version_in_bucket,
    visible_channel,
)
from packyard.store.work import Work


@dataclass(frozen=True)
class VersionChoice:
    """How a request names the version to assign; all empty means "unassign"."""

    version_id: str | None = None
    fingerprint: str | None = None
    sequence: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.version_id or self.fingerprint or self.sequence)


def chosen_version(repo: Work, bucket: Bucket, choice: VersionChoice) -> Version | None:
    if choice.empty:
        return None
    if choice.version_id:
        found: Version | None = version_in_bucket(repo, bucket, choice.version_id)
    elif choice.fingerprint:
        found = repo.version_in_bucket(bucket.id, fingerprint=choice.fingerprint)
    else:
        found = repo.version_in_bucket(bucket.id, sequence=choice.sequence)
    if found is None:
        raise NotFound(f'the version to assign was not found in "{bucket.name}"')
    return found


def assignable(version: Version, *, now: datetime) -> Version:
    if not version.complete:
        raise FailedPrecondition("only a complete version can be assigned to a channel")
    if version.is_revoked(now):
        raise FailedPrecondition("a revoked version cannot be assigned to a channel")
    return version


def point_channel(
    repo: Work,
    actor: Actor,
    channel: Channel,
    version: Version | None,
    *,
    now: datetime,
    reason: AssignmentReason = AssignmentReason.MANUAL,
) -> None:
    """Move a channel and append the change, and why it was made, to its history."""
    events.channel_moved(repo, actor, channel, version, now=now)
    version_id = version.id if version else None
    repo.change_channel(channel.id, version_id=version_id, updated_at=now, author_id=actor.name)
    repo.add_assignment(
        Assignment(new_id(), channel.id, version_id, actor.name, now, reason=reason)
    )
    channel.version = version
    channel.updated_at = now
    channel.author_id = actor.name


def rollback_target(
    repo: Work,
    channel: Channel,
    *,
    leaving: str,
    now: datetime,
) -> Version | None:
    """The newest earlier assignment of the channel that is still valid, or None."""
    earlier = [entry.version_id for entry in repo.history(channel.id) if entry.version_id]
    candidates = repo.versions_by_ids(earlier, with_builds=False)
    return newest_valid(earlier, candidates, leaving=leaving, now=now)


def newest_valid(
    earlier: Sequence[str],
    candidates: Mapping[str, Version],
    *,
    leaving: str,
    now: datetime,
    revoked: Callable[[Version], bool] | None = None,
) -> Version | None:
    """The first of the earlier assignments (newest first) that is complete and not revoked,
    now or by `revoked` (what a plan revokes before the channel moves), or None."""
    for version_id in earlier:
        candidate = candidates.get(version_id)
        if (
            version_id != leaving
            and candidate is not None
            and candidate.complete
            and not candidate.is_revoked(now)
            and not (revoked is not None and revoked(candidate))
        ):
            return candidate
    return None


def roll_back(repo: Work, actor: Actor, channel: Channel, *, leaving: str, now: datetime) -> None:
    """Move a channel to the newest earlier assignment that is still valid, or unassign it."""
    target = rollback_target(repo, channel, leaving=leaving, now=now)
    point_channel(repo, actor, channel, target, now=now, reason=AssignmentReason.ROLLBACK)


def create_channel(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    name: str,
    choice: VersionChoice,
    restricted: bool = False,
    now: datetime,
) -> Channel:
    bucket = find_bucket(repo, scope, bucket_name)
    require_path_name(name, "channel name")
    message = f'channel "{name}" already exists in "{bucket_name}"'
    if repo.channel(bucket.id, name, with_version=False) is not None:
        raise AlreadyExists(message)
    version = chosen_version(repo, bucket, choice)
    if version is not None:
        assignable(version, now=now)
    channel = Channel(
        id=new_id(),
        bucket_id=bucket.id,
        bucket_name=bucket.name,
        name=name,
        managed=False,
        restricted=restricted,
        author_id=actor.name,
        created_at=now,
        updated_at=now,
        version=version,
    )
    unique(lambda: repo.add_channel(channel), message)
    if version is not None:
        repo.add_assignment(
            Assignment(
                new_id(), channel.id, version.id, actor.name, now, reason=AssignmentReason.CREATED
            )
        )
        events.channel_made(repo, actor, channel, now=now)
    return channel


def get_channel(repo: Work, actor: Actor, scope: Scope, *, bucket_name: str, name: str) -> Channel:
    bucket = find_bucket(repo, scope, bucket_name)
    return visible_channel(actor, repo.channel(bucket.id, name), name)


def list_channels(repo: Work, actor: Actor, scope: Scope, *, bucket_name: str) -> list[Channel]:
    bucket = find_bucket(repo, scope, bucket_name)
    return [
        channel
        for channel in repo.channels_of(bucket.id)
        if actor.reads_channel(channel.restricted)
    ]


def update_channel(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    name: str,
    choice: VersionChoice | None,
    restricted: bool | None = None,
    now: datetime,
) -> Channel:
    """Assign (choice given; empty unassigns) and/or restrict a user channel."""
    bucket = find_bucket(repo, scope, bucket_name)
    # A channel about to be pointed elsewhere is shown with the version it gets.
    found = repo.channel(bucket.id, name, with_version=choice is None)
    channel = visible_channel(actor, found, name)
    if channel.managed:
        raise FailedPrecondition(f'channel "{name}" is managed by the registry')
    if choice is not None:
        version = chosen_version(repo, bucket, choice)
        if version is not None:
            assignable(version, now=now)
        point_channel(repo, actor, channel, version, now=now)
    if restricted is not None and restricted != channel.restricted:
        repo.change_channel(channel.id, restricted=restricted, updated_at=now)
        channel.restricted = restricted
        channel.updated_at = now
    return channel


def delete_channel(repo: Work, actor: Actor, scope: Scope, *, bucket_name: str, name: str) -> None:
    bucket = find_bucket(repo, scope, bucket_name)
    channel = visible_channel(actor, repo.channel(bucket.id, name, with_version=False), name)
    if channel.managed:
        raise InvalidArgument(f'channel "{name}" is managed by the registry and cannot be deleted')
    repo.remove_channel(channel.id)


def channel_history(
    repo: Work, actor: Actor, scope: Scope, *, bucket_name: str, name: str
) -> list[Assignment]:
    """Every assignment of the channel, newest first, each with its version if it still exists."""
    channel = get_channel(repo, actor, scope, bucket_name=bucket_name, name=name)
    entries = repo.history(channel.id)
    found = repo.versions_by_ids(entry.version_id for entry in entries if entry.version_id)
    for entry in entries:
        entry.version = found.get(entry.version_id) if entry.version_id else None
    return entries


def copy_assignment(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    source: str,
    target: str,
    now: datetime,
) -> tuple[Channel, Channel]:
    """Point the target channel at the version the source channel points at."""
    bucket = find_bucket(repo, scope, bucket_name)
    require_name(source, "source_channel")
    require_name(target, "target_channel")
    origin = visible_channel(actor, repo.channel(bucket.id, source), source)
    destination = visible_channel(
        actor, repo.channel(bucket.id, target, with_version=False), target
    )
    if destination.managed:
        raise FailedPrecondition(f'channel "{target}" is managed by the registry')
    if origin.version is None:
        raise FailedPrecondition(f'channel "{source}" has no version assigned')
    point_channel(repo, actor, destination, assignable(origin.version, now=now), now=now)
    return origin, destination
