"""The read use cases: show a bucket, a version or a channel, and list pages of them.

Each finds the records a read asks for and returns them as a renderer shows them, in one
read object (packyard.domain.reads): the ancestry statuses filled, the revoked ancestor a
version inherits from, and the moment the answer goes stale (`valid_until`). Every client
(both API planes, the extension API and the console) calls one of these per read, and then
only renders what it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from packyard.domain.identity import Actor, Scope
from packyard.domain.paging import ListAsk, SortedAsk, sorted_by
from packyard.domain.reads import (
    AncestryQuery,
    BucketRead,
    BucketsRead,
    ChannelRead,
    ChannelsRead,
    RelationsRead,
    VersionDiffRead,
    VersionRead,
    VersionsRead,
    stale_at,
)
from packyard.domain.registry import Ancestry, Bucket, Version
from packyard.domain.version_diff import diff_versions
from packyard.services import ancestry, buckets, channels, revocation, versions
from packyard.store.work import Work

BUCKET_ORDER: dict[str, Callable[[Bucket], Any]] = {
    "name": lambda bucket: bucket.name,
    "created_at": lambda bucket: bucket.created_at,
    "updated_at": lambda bucket: bucket.updated_at,
}
"""The fields a listing of buckets sorts by."""

VERSION_ORDER: dict[str, Callable[[Version], Any]] = {
    "id": lambda version: version.id,
    "created_at": lambda version: version.created_at,
    "updated_at": lambda version: version.updated_at,
    "sequence": lambda version: version.sequence or 0,
    "fingerprint": lambda version: version.fingerprint,
}
"""The fields a listing of versions sorts by (id: the order they were made in)."""


# buckets ----------------------------------------------------------------------------------
def _annotated(work: Work, actor: Actor, found: list[Bucket], now: datetime) -> datetime | None:
    """Fill the buckets' derived fields and ancestry statuses; answer when they go stale."""
    buckets.summarize(work, found)
    consulted = ancestry.annotate_buckets(work, actor, found, now)
    return stale_at([*(bucket.latest_version for bucket in found), *consulted], now)


def show_bucket(work: Work, actor: Actor, scope: Scope, *, name: str, now: datetime) -> BucketRead:
    found = buckets.get_bucket(work, scope, name=name)
    consulted = ancestry.annotate_buckets(work, actor, [found], now)
    return BucketRead(found, stale_at([found.latest_version, *consulted], now))


def list_buckets(
    work: Work, actor: Actor, scope: Scope, ask: ListAsk, *, now: datetime
) -> BucketsRead:
    """A page of the project's buckets: in the store's order (by id) only the page is read;
    a sorted listing is sorted whole. Only the page's buckets are summarized and annotated,
    all of them at once."""
    if isinstance(ask, SortedAsk):
        every = sorted_by(buckets.list_buckets(work, scope), ask.orders, BUCKET_ORDER)
        shown, more = ask.window(every)
        return BucketsRead(shown, more, _annotated(work, actor, shown, now), len(every))
    page = buckets.bucket_page(work, scope, ask)
    return BucketsRead(page.items, page.more, _annotated(work, actor, page.items, now))


# versions ---------------------------------------------------------------------------------
def _versions_read(
    work: Work,
    actor: Actor,
    found: list[Version],
    now: datetime,
    *,
    parents_status: bool = True,
    more: bool = False,
    total: int | None = None,
) -> VersionsRead:
    consulted = ancestry.annotate(work, actor, list(found), now) if parents_status else []
    return VersionsRead(
        found,
        revocation.inherited_from_each(work, actor, found),
        more,
        stale_at([*found, *consulted], now),
        total,
    )


def shown_version(
    work: Work, actor: Actor, found: Version, *, now: datetime, parents_status: bool = True
) -> VersionRead:
    """A version found (or just written) as a read shows it. Without `parents_status` (the
    2021 plane shows none) the parents are not read."""
    return next(_versions_read(work, actor, [found], now, parents_status=parents_status).each())


def show_version(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    version_id: str | None = None,
    fingerprint: str | None = None,
    sequence: int | None = None,
    ref: str | None = None,
    now: datetime,
    parents_status: bool = True,
) -> VersionRead:
    """The version named by its id, fingerprint or sequence number (an unknown fingerprint
    is Aborted, see versions.find_version), or by `ref`, its fingerprint or id as people
    name it (unknown is NotFound)."""
    if ref is not None:
        found = versions.version_by_ref(work, scope, bucket_name=bucket_name, ref=ref)
    else:
        found = versions.find_version(
            work,
            scope,
            bucket_name=bucket_name,
            version_id=version_id,
            fingerprint=fingerprint,
            sequence=sequence,
        )
    return shown_version(work, actor, found, now=now, parents_status=parents_status)


def list_versions(
    work: Work,
    actor: Actor,
    scope: Scope,
    ask: ListAsk,
    *,
    bucket_name: str,
    now: datetime,
    complete_only: bool = False,
    summary: bool = False,
) -> VersionsRead:
    """A page of the bucket's versions, with their builds: in the store's order (by id) the
    store reads only the page, from wherever it starts; a sorted listing is sorted whole.
    A `summary` (as the 2021 plane lists iterations) reads no parents and no revoked ancestor."""
    if isinstance(ask, SortedAsk):
        every = versions.list_versions(
            work, scope, bucket_name=bucket_name, complete_only=complete_only
        )
        shown, more = ask.window(sorted_by(every, ask.orders, VERSION_ORDER))
        total: int | None = len(every)
    else:
        page = versions.version_page(
            work, scope, ask, bucket_name=bucket_name, complete_only=complete_only
        )
        shown, more, total = page.items, page.more, None
    if summary:
        return VersionsRead(shown, {}, more, stale_at(shown, now), total)
    return _versions_read(work, actor, shown, now, more=more, total=total)


def version_ancestors(
    work: Work, actor: Actor, scope: Scope, *, bucket_name: str, sequence: int, now: datetime
) -> VersionsRead:
    """The versions the builds of the version with this sequence number were built from."""
    found = ancestry.version_ancestors(
        work, actor, scope, bucket_name=bucket_name, sequence=sequence, now=now
    )
    return _versions_read(work, actor, found, now, parents_status=False)


def version_children(
    work: Work, actor: Actor, scope: Scope, *, bucket_name: str, sequence: int, now: datetime
) -> VersionsRead:
    """The versions built from the version with this sequence number."""
    found = ancestry.version_children(
        work, actor, scope, bucket_name=bucket_name, sequence=sequence, now=now
    )
    return _versions_read(work, actor, found, now, parents_status=False)


def bucket_relations(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    query: AncestryQuery,
    now: datetime,
) -> RelationsRead:
    """The bucket's ancestry relations the query asks for, each with its status now."""
    found = ancestry.bucket_ancestry(
        work, actor, scope, bucket_name=bucket_name, query=query, now=now
    )
    return RelationsRead(found, stale_at(_parents(found), now))


def _parents(relations: Iterable[Ancestry]) -> list[Version]:
    return [relation.parent for relation in relations]


def version_diff(
    work: Work, scope: Scope, *, bucket_name: str, before: str, after: str
) -> VersionDiffRead:
    """What changed from one of the bucket's versions to another (each named by its
    fingerprint or id)."""
    older = versions.version_by_ref(work, scope, bucket_name=bucket_name, ref=before)
    newer = versions.version_by_ref(work, scope, bucket_name=bucket_name, ref=after)
    return VersionDiffRead(older, newer, diff_versions(older, newer))


# channels ---------------------------------------------------------------------------------
def _with_versions(
    work: Work, actor: Actor, found: Sequence[Version | None], now: datetime, parents_status: bool
) -> datetime | None:
    consulted = ancestry.annotate(work, actor, list(found), now) if parents_status else []
    return stale_at([*found, *consulted], now)


def show_channel(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    name: str,
    now: datetime,
    parents_status: bool = True,
) -> ChannelRead:
    """The channel, if the caller may read it, with its version (parents status filled)."""
    found = channels.get_channel(work, actor, scope, bucket_name=bucket_name, name=name)
    return ChannelRead(found, _with_versions(work, actor, [found.version], now, parents_status))


def list_channels(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    now: datetime,
    parents_status: bool = True,
) -> ChannelsRead:
    """The bucket's channels the caller may read, each with its version."""
    found = channels.list_channels(work, actor, scope, bucket_name=bucket_name)
    shown = [channel.version for channel in found]
    return ChannelsRead(found, _with_versions(work, actor, shown, now, parents_status))
