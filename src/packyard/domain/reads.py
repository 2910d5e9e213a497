"""What a read answers: the records it found as a renderer shows them (their ancestry status
filled, the revoked ancestor a version inherits from), and until when that answer holds.

The clock can change an answer that no write changes: a revocation scheduled for later takes
effect, and the version's status turns REVOKED and its children's OUT_OF_DATE. So every read
says when it goes stale (`valid_until`), by the one rule below; a cache keeps it that long.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from packyard.domain.registry import Ancestry, Bucket, Channel, Version
from packyard.domain.version_diff import BuildChange
from packyard.errors import InvalidArgument


def stale_at(shown: Iterable[Version | None], now: datetime) -> datetime | None:
    """When an answer showing these versions (or a status decided by them) goes stale: the
    earliest scheduled revocation among them; None if the clock cannot change it."""
    moments = [
        version.revoke_at
        for version in shown
        if version is not None and version.revoke_at is not None and version.revoke_at > now
    ]
    return min(moments) if moments else None


@dataclass(frozen=True)
class BucketRead:
    """A bucket with its derived fields and both ancestry statuses."""

    bucket: Bucket
    valid_until: datetime | None = None


@dataclass(frozen=True)
class BucketsRead:
    """A page of buckets as BucketRead shows each; `more`: buckets lie beyond it in the
    direction it was read; `total`: how many the whole listing holds, where it was read whole."""

    buckets: list[Bucket]
    more: bool = False
    valid_until: datetime | None = None
    total: int | None = None


@dataclass(frozen=True)
class VersionRead:
    """A version with its parents status and the revoked version it inherits from (if the
    caller may read that one)."""

    version: Version
    revoked_ancestor: Version | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class VersionsRead:
    """Versions as VersionRead shows each (a page, or a version's ancestors or children)."""

    versions: list[Version]
    revoked_ancestors: Mapping[str, Version] = field(default_factory=dict)  # by version id
    more: bool = False
    valid_until: datetime | None = None
    total: int | None = None

    def each(self) -> Iterator[VersionRead]:
        for version in self.versions:
            yield VersionRead(version, self.revoked_ancestors.get(version.id), self.valid_until)


@dataclass(frozen=True)
class ChannelRead:
    """A channel with its version (parents status filled), if one is assigned."""

    channel: Channel
    valid_until: datetime | None = None


@dataclass(frozen=True)
class ChannelsRead:
    channels: list[Channel]
    valid_until: datetime | None = None


@dataclass(frozen=True)
class RelationsRead:
    """A bucket's ancestry relations, each with its status now."""

    relations: list[Ancestry]
    valid_until: datetime | None = None


@dataclass(frozen=True)
class VersionDiffRead:
    """Two versions of a bucket and what changed between them, build by build."""

    before: Version
    after: Version
    builds: list[BuildChange]


class Relation(StrEnum):
    PARENTS = "parents"
    CHILDREN = "children"


@dataclass(frozen=True)
class AncestryQuery:
    """Which of a bucket's relations a read asks for: parents (of one version, or of the
    latest), children (built from one channel, or from any), or both."""

    relation: Relation | None = None
    channel: str | None = None
    version_id: str | None = None
    fingerprint: str | None = None
    sequence: int | None = None


def parse_relation(text: str | None) -> Relation | None:
    if not text:
        return None
    try:
        return Relation(text.lower())
    except ValueError:
        raise InvalidArgument('type must be "parents" or "children"') from None
