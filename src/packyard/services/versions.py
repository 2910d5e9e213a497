"""Versions (the 2021 API's iterations): create, find, list, complete, delete."""

from __future__ import annotations

from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.paging import Page, PageAsk
from packyard.domain.registry import (
    MANAGED_CHANNEL,
    Assignment,
    AssignmentReason,
    Bucket,
    BuildStatus,
    TemplateType,
    Version,
    require_path_name,
)
from packyard.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound
from packyard.ids import new_id
from packyard.services import events
from packyard.services.channels import point_channel, roll_back
from packyard.services.common import find_bucket, unique, version_in_bucket, version_in_project
from packyard.store.work import Work


def create_version(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    fingerprint: str,
    template_type: TemplateType = TemplateType.UNSET,
    now: datetime,
) -> Version:
    bucket = find_bucket(repo, scope, bucket_name)
    require_path_name(fingerprint, "fingerprint")
    # The store's unique constraint on (bucket, fingerprint) decides duplicates.
    message = f'a version with fingerprint "{fingerprint}" already exists in "{bucket_name}"'
    version = Version(
        id=new_id(),
        bucket_id=bucket.id,
        bucket_name=bucket.name,
        fingerprint=fingerprint,
        sequence=None,
        template_type=template_type,
        author_id=actor.name,
        created_at=now,
        updated_at=now,
    )
    unique(lambda: repo.add_version(version), message)
    events.version_created(repo, actor, version, now=now)
    return version


def _by_fingerprint(
    repo: Work, bucket: Bucket, fingerprint: str, *, with_builds: bool
) -> Version | None:
    return repo.version_in_bucket(bucket.id, fingerprint=fingerprint, with_builds=with_builds)


def version_named(
    repo: Work, bucket: Bucket, fingerprint: str, *, with_builds: bool = True
) -> Version:
    """The bucket's version with this fingerprint; unknown is "not found" (below GetVersion)."""
    found = _by_fingerprint(repo, bucket, fingerprint, with_builds=with_builds)
    if found is None:
        raise NotFound(f'no version with fingerprint "{fingerprint}" in "{bucket.name}"')
    return found


def version_to_change(
    repo: Work,
    scope: Scope,
    *,
    version_id: str | None = None,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
    with_builds: bool = True,
) -> Version:
    """The version a write names: by its bucket and fingerprint (the 2023 plane's path; an
    unknown fingerprint is "not found", as everywhere below GetIteration and GetVersion), or
    by its id in the project (the 2021 plane's)."""
    if bucket_name is not None and fingerprint is not None:
        bucket = find_bucket(repo, scope, bucket_name)
        return version_named(repo, bucket, fingerprint, with_builds=with_builds)
    return version_in_project(repo, scope, version_id or "", with_builds=with_builds)


def version_by_ref(
    repo: Work, scope: Scope, *, bucket_name: str, ref: str, with_builds: bool = True
) -> Version:
    """The bucket's version named by its fingerprint or its id (as people and the console do)."""
    bucket = find_bucket(repo, scope, bucket_name)
    found = _by_fingerprint(repo, bucket, ref, with_builds=with_builds) or repo.version_in_bucket(
        bucket.id, version_id=ref, with_builds=with_builds
    )
    if found is None:
        raise NotFound(f'no version with fingerprint or id "{ref}" in "{bucket_name}"')
    return found


def find_version(
    repo: Work,
    scope: Scope,
    *,
    bucket_name: str,
    version_id: str | None = None,
    fingerprint: str | None = None,
    sequence: int | None = None,
    with_builds: bool = True,
) -> Version:
    """Find a version by exactly one of its id, fingerprint or sequence number.

    An unknown fingerprint answers Aborted: that is the answer on which Packer goes on
    to create the version.
    """
    bucket = find_bucket(repo, scope, bucket_name)
    if version_id:
        return version_in_bucket(repo, bucket, version_id, with_builds=with_builds)
    if fingerprint:
        found = _by_fingerprint(repo, bucket, fingerprint, with_builds=with_builds)
        if found is None:
            raise Aborted(f'no version with fingerprint "{fingerprint}" in "{bucket_name}"')
        return found
    if sequence is not None and sequence > 0:
        found = repo.version_in_bucket(bucket.id, sequence=sequence, with_builds=with_builds)
        if found is None:
            raise NotFound(f'version {sequence} not found in "{bucket_name}"')
        return found
    raise InvalidArgument("one of iteration_id, fingerprint or incremental_version is required")


def list_versions(
    repo: Work, scope: Scope, *, bucket_name: str, complete_only: bool = False
) -> list[Version]:
    bucket = find_bucket(repo, scope, bucket_name)
    return repo.versions_of(bucket.id, complete_only=complete_only)


def version_page(
    repo: Work, scope: Scope, ask: PageAsk, *, bucket_name: str, complete_only: bool = False
) -> Page[Version]:
    """A page of the bucket's versions in the order they were made, with their builds."""
    bucket = find_bucket(repo, scope, bucket_name)
    return repo.version_page(bucket.id, ask, complete_only=complete_only)


def complete_if_done(
    repo: Work,
    actor: Actor,
    version: Version,
    *,
    now: datetime,
    statuses: list[BuildStatus] | None = None,
) -> bool:
    """Complete a version whose builds are all DONE: next sequence number, onto `latest`.

    The version, and the statuses of its builds when the caller passes them, must have been
    read in the caller's transaction, which holds the bucket's lock: every look-up that finds
    a bucket, or a version or build by its id, takes it first on PostgreSQL, and SQLite's
    writers run one at a time. So what was read is what the last writer of the bucket
    committed, the decision is the same whichever request finished the last build, and
    completions in one bucket take their sequence numbers one after the other.
    """
    if version.complete:
        return False
    if statuses is None:
        statuses = [BuildStatus(status) for status in repo.build_statuses(version.id)]
    if not statuses or any(status is not BuildStatus.DONE for status in statuses):
        return False
    version.sequence = unique(
        lambda: repo.take_next_sequence(version, now=now),
        "the version was completed concurrently",
    )
    version.updated_at = now
    latest = repo.channel(version.bucket_id, MANAGED_CHANNEL, with_version=False)
    if latest is not None:
        point_channel(repo, actor, latest, version, now=now, reason=AssignmentReason.COMPLETED)
    events.version_completed(repo, actor, version, now=now)
    return True


def complete_version(
    repo: Work,
    actor: Actor,
    version: Version,
    *,
    now: datetime,
    statuses: list[BuildStatus] | None = None,
) -> None:
    if version.complete:
        return
    if not complete_if_done(repo, actor, version, now=now, statuses=statuses):
        raise FailedPrecondition("a version is complete only when all of its builds are DONE")


def delete_version(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    version_id: str | None = None,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
    rollback_channels: bool = False,
    now: datetime,
) -> None:
    """Delete the version named by its id, or by its bucket and fingerprint."""
    version = version_to_change(
        repo,
        scope,
        version_id=version_id,
        bucket_name=bucket_name,
        fingerprint=fingerprint,
        with_builds=False,
    )
    events.version_deleted(repo, actor, version, now=now)
    for channel in repo.channels_on(version.id, with_version=False):
        if rollback_channels:
            roll_back(repo, actor, channel, leaving=version.id, now=now)
        else:
            repo.change_channel(channel.id, version_id=None, updated_at=now)
            emptied = Assignment(
                new_id(), channel.id, None, actor.name, now, reason=AssignmentReason.DELETED
            )
            repo.add_assignment(emptied)
    repo.remove_version(version)
