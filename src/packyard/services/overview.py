"""What the console shows of a project at a glance, and its bucket list's filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import Ancestry, AncestryStatus, Bucket, Version
from packyard.errors import InvalidArgument
from packyard.services.ancestry import _relations, newest_per_child_bucket
from packyard.services.buckets import summarize
from packyard.services.common import active_registry
from packyard.services.reach import Reader
from packyard.services.search import FoundArtifact, find_artifacts
from packyard.store.overview import Counts, Overview
from packyard.store.repository import Repository

SOON = timedelta(days=7)
SORTS = ("name", "-name", "created", "-created", "updated", "-updated")


@dataclass(frozen=True)
class ProjectOverview:
    counts: Counts
    revocations_soon: list[Version]
    out_of_date: list[Ancestry]
    recent: list[AuditEvent]


def out_of_date_children(
    repo: Repository, actor: Actor, scope: Scope, now: datetime
) -> list[Ancestry]:
    """The newest version of each child bucket whose parent is out of date, in the project."""
    ids = [bucket.id for bucket in repo.buckets(scope.project_id)]
    links = [
        (build.version_id, build.parent_version_id, build.parent_channel_id)
        for _, build in repo.child_links_of_buckets(ids)
        if build.parent_version_id
    ]
    relations = newest_per_child_bucket(_relations(repo, Reader(repo, actor), links, now))
    return [item for item in relations if item.status is AncestryStatus.OUT_OF_DATE]


def project_overview(
    repo: Repository, actor: Actor, scope: Scope, now: datetime
) -> ProjectOverview:
    active_registry(repo, scope)
    overview = Overview(repo.conn)
    return ProjectOverview(
        counts=overview.counts(scope.project_id),
        revocations_soon=overview.revocations_between(scope.project_id, now, now + SOON),
        out_of_date=out_of_date_children(repo, actor, scope, now),
        recent=overview.recent_events(scope.project_id),
    )


@dataclass(frozen=True)
class BucketFilter:
    name: str = ""
    label: str = ""  # "key" or "key=value"
    platform: str = ""
    sort: str = "name"
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class BucketPage:
    buckets: list[Bucket]
    total: int
    page: int
    pages: int


def _labelled(bucket: Bucket, label: str) -> bool:
    key, has_value, value = label.partition("=")
    if key.strip() not in bucket.labels:
        return False
    return not has_value or bucket.labels[key.strip()] == value.strip()


def filter_buckets(repo: Repository, scope: Scope, wanted: BucketFilter) -> BucketPage:
    """The buckets that match, sorted, one page of them summarized."""
    active_registry(repo, scope)
    if wanted.sort not in SORTS:
        raise InvalidArgument(f"sort by one of {', '.join(SORTS)}")
    if wanted.page < 1 or not 1 <= wanted.page_size <= 100:
        raise InvalidArgument("page starts at 1; a page holds 1 to 100 buckets")
    found = repo.buckets(scope.project_id)
    if wanted.name:
        found = [bucket for bucket in found if wanted.name.lower() in bucket.name.lower()]
    if wanted.label:
        found = [bucket for bucket in found if _labelled(bucket, wanted.label)]
    if wanted.platform:
        platforms = repo.platforms([bucket.id for bucket in found])
        found = [b for b in found if wanted.platform in platforms.get(b.id, [])]
    key = wanted.sort.lstrip("-")
    found.sort(
        key=lambda b: (
            b.name if key == "name" else (b.created_at if key == "created" else b.updated_at)
        ),
        reverse=wanted.sort.startswith("-"),
    )
    pages = max(1, -(-len(found) // wanted.page_size))
    start = (wanted.page - 1) * wanted.page_size
    return BucketPage(
        summarize(repo, found[start : start + wanted.page_size]), len(found), wanted.page, pages
    )


@dataclass(frozen=True)
class SearchResult:
    buckets: list[Bucket]
    versions: list[Version]
    artifacts: list[FoundArtifact]


def search_project(repo: Repository, scope: Scope, text: str) -> SearchResult:
    """A bucket (by part of its name), a version (by fingerprint or id), or a cloud artifact
    (by its external identifier: an AMI id, an image digest)."""
    active_registry(repo, scope)
    text = text.strip()
    if not text:
        raise InvalidArgument("type part of a bucket name, a fingerprint, a version or artifact id")
    found = [b for b in repo.buckets(scope.project_id) if text.lower() in b.name.lower()][:50]
    by_id = repo.version_in_project(text, scope.project_id, with_builds=False)
    matched = Overview(repo.conn).versions_with_fingerprint(scope.project_id, text)
    return SearchResult(
        buckets=found,
        versions=([by_id] if by_id is not None else []) + matched,
        artifacts=find_artifacts(repo, scope, external_identifier=text),
    )
