"""Ancestry: which versions were built from which, and whether children are up to date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.reads import AncestryQuery as AncestryQuery
from packyard.domain.reads import Relation as Relation
from packyard.domain.reads import parse_relation as parse_relation
from packyard.domain.registry import Ancestry, Bucket, Version, ancestry_status, overall_status
from packyard.errors import InvalidArgument, NotFound
from packyard.services.common import find_bucket, visible_channel
from packyard.services.reach import Reader
from packyard.services.versions import find_version
from packyard.store.work import Work


def _relations(
    repo: Work,
    reader: Reader,
    links_by_child: list[tuple[str, str, str | None]],
    now: datetime,
) -> list[Ancestry]:
    """Turn (child version, parent version, parent channel) links into ancestry records, as the
    reader may see them: no version it may not read, and no parent channel it may not read
    (the relation then shows no channel, as if the build had recorded none)."""
    found = repo.versions_by_ids(
        [child for child, _, _ in links_by_child] + [parent for _, parent, _ in links_by_child]
    )
    channels = repo.channels_by_ids(channel for _, _, channel in links_by_child if channel)
    reader.learn([version.bucket_id for version in found.values()])
    readable = {key: version for key, version in found.items() if reader.may_read_version(version)}
    relations: list[Ancestry] = []
    seen: set[tuple[str, str, str | None]] = set()
    for link in links_by_child:
        child_id, parent_id, channel_id = link
        if link in seen or child_id not in readable or parent_id not in readable:
            continue
        seen.add(link)
        channel = channels.get(channel_id) if channel_id else None
        if channel is not None and not reader.may_read_channel(channel):
            channel = None
        parent = readable[parent_id]
        relations.append(
            Ancestry(ancestry_status(parent, channel, now), parent, readable[child_id], channel)
        )
    return relations


def parents_of(repo: Work, reader: Reader, version: Version, now: datetime) -> list[Ancestry]:
    links = [
        (build.version_id, build.parent_version_id, build.parent_channel_id)
        for build in version.builds
        if build.parent_version_id
    ]
    return _relations(repo, reader, links, now)


def children_of(
    repo: Work,
    reader: Reader,
    parent_ids: list[str],
    now: datetime,
    *,
    channel_id: str | None = None,
) -> list[Ancestry]:
    links = [
        (build.version_id, build.parent_version_id, build.parent_channel_id)
        for build in repo.child_links(parent_ids)
        if build.parent_version_id and (channel_id is None or build.parent_channel_id == channel_id)
    ]
    return _relations(repo, reader, links, now)


def newest_per_child_bucket(relations: list[Ancestry]) -> list[Ancestry]:
    """Keep, for each child bucket, the relations of its newest descendant version."""
    newest: dict[str, str] = {}
    for relation in relations:
        child = relation.child
        current = newest.get(child.bucket_id)
        if current is None or child.id > current:
            newest[child.bucket_id] = child.id
    return [
        relation for relation in relations if newest[relation.child.bucket_id] == relation.child.id
    ]


def bucket_ancestry(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    query: AncestryQuery,
    now: datetime,
) -> list[Ancestry]:
    bucket = find_bucket(repo, scope, bucket_name)
    reader = Reader(repo, actor)
    relations: list[Ancestry] = []
    if query.relation in (None, Relation.PARENTS):
        if query.version_id or query.fingerprint or query.sequence:
            version: Version | None = find_version(
                repo,
                scope,
                bucket_name=bucket_name,
                version_id=query.version_id,
                fingerprint=query.fingerprint,
                sequence=query.sequence,
            )
        else:
            version = repo.latest_versions([bucket.id]).get(bucket.id)
        if version is not None:
            relations.extend(parents_of(repo, reader, version, now))
    if query.relation in (None, Relation.CHILDREN):
        channel_id = None
        if query.channel:
            message = f'channel "{query.channel}" not found in "{bucket_name}"'
            try:
                channel = visible_channel(actor, repo.channel(bucket.id, query.channel), message)
            except NotFound:
                raise InvalidArgument(message) from None
            channel_id = channel.id
        own = repo.version_ids_of(bucket.id)
        relations.extend(
            newest_per_child_bucket(children_of(repo, reader, own, now, channel_id=channel_id))
        )
    return relations


def version_ancestors(
    repo: Work, actor: Actor, scope: Scope, *, bucket_name: str, sequence: int, now: datetime
) -> list[Version]:
    version = find_version(repo, scope, bucket_name=bucket_name, sequence=sequence)
    return [relation.parent for relation in parents_of(repo, Reader(repo, actor), version, now)]


def version_children(
    repo: Work, actor: Actor, scope: Scope, *, bucket_name: str, sequence: int, now: datetime
) -> list[Version]:
    version = find_version(repo, scope, bucket_name=bucket_name, sequence=sequence)
    relations = children_of(repo, Reader(repo, actor), [version.id], now)
    children = {relation.child.id: relation.child for relation in relations}
    return list(children.values())


def annotate(repo: Work, actor: Actor, found: list[Version | None], now: datetime) -> list[Version]:
    """Set each version's overall parents status; answer the parents that decided it. The
    parents of every version are read together."""
    annotated = [
        version
        for version in found
        if version is not None and any(build.parent_version_id for build in version.builds)
    ]
    if not annotated:
        return []
    links = [
        (build.version_id, build.parent_version_id, build.parent_channel_id)
        for version in annotated
        for build in version.builds
        if build.parent_version_id
    ]
    by_child: dict[str, list[Ancestry]] = {}
    for relation in _relations(repo, Reader(repo, actor), links, now):
        by_child.setdefault(relation.child.id, []).append(relation)
    consulted: list[Version] = []
    for version in annotated:
        relations = by_child.get(version.id, [])
        version.parents_status = overall_status([relation.status for relation in relations])
        consulted.extend(relation.parent for relation in relations)
    return consulted


def annotate_bucket(repo: Work, actor: Actor, bucket: Bucket, now: datetime) -> list[Version]:
    """The bucket's parents status (of its latest version) and children status."""
    return annotate_buckets(repo, actor, [bucket], now)


def annotate_buckets(
    repo: Work, actor: Actor, found: Sequence[Bucket], now: datetime
) -> list[Version]:
    """Each bucket's parents status (of its latest version) and children status, read for the
    whole page at once; answer the parents that decided them."""
    consulted = annotate(repo, actor, [bucket.latest_version for bucket in found], now)
    parent_bucket: dict[str, str] = {}
    links: list[tuple[str, str, str | None]] = []
    # Only a bucket that holds a version can be a parent.
    parents = [bucket.id for bucket in found if bucket.version_count]
    for bucket_id, build in repo.child_links_of_buckets(parents):
        assert build.parent_version_id is not None
        parent_bucket[build.parent_version_id] = bucket_id
        links.append((build.version_id, build.parent_version_id, build.parent_channel_id))
    by_bucket: dict[str, list[Ancestry]] = {}
    for relation in _relations(repo, Reader(repo, actor), links, now):
        by_bucket.setdefault(parent_bucket[relation.parent.id], []).append(relation)
    for bucket in found:
        related = by_bucket.get(bucket.id)
        if not related:  # most of a page: no child built on the bucket
            bucket.children_status = None
            continue
        relations = newest_per_child_bucket(related)
        bucket.children_status = overall_status([relation.status for relation in relations])
        consulted.extend(relation.parent for relation in relations)
    return consulted
