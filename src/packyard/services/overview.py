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
from packyard.store.overview import Counts
from packyard.store.work import Work

SOON = timedelta(days=7)
SORTS = ("name", "-name", "created", "-created", "updated", "-updated")


@dataclass(frozen=True)
class ProjectOverview:
    counts: Counts
    revocations_soon: list[Version]
    out_of_date: list[Ancestry]
    recent: list[AuditEvent]


def out_of_date_children(repo: Work, actor: Actor, scope: Scope, now: datetime) -> list[Ancestry]:
    """The newest version of each child bucket of the project whose parent is out of date."""
    links = repo.overview.child_links(scope.project_id)
    relations = newest_per_child_bucket(_relations(repo, Reader(repo, actor), links, now))
    return [item for item in relations if item.status is AncestryStatus.OUT_OF_DATE]


def project_overview(repo: Work, actor: Actor, scope: Scope, now: datetime) -> ProjectOverview:
    active_registry(repo, scope)
    overview = repo.overview
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


def _label(text: str) -> tuple[str, str | None] | None:
    if not text:
        return None
    key, has_value, value = text.partition("=")
    if not key.strip():
        raise InvalidArgument('filter by a label as "key" or "key=value"')
    return key.strip(), value.strip() if has_value else None


def filter_buckets(repo: Work, scope: Scope, wanted: BucketFilter) -> BucketPage:
    """The buckets that match, sorted, one page of them summarized."""
    active_registry(repo, scope)
    if wanted.sort not in SORTS:
        raise InvalidArgument(f"sort by one of {', '.join(SORTS)}")
    if wanted.page < 1 or not 1 <= wanted.page_size <= 100:
        raise InvalidArgument("page starts at 1; a page holds 1 to 100 buckets")
    found, total = repo.overview.bucket_page(
        scope.project_id,
        name=wanted.name,
        label=_label(wanted.label),
        platform=wanted.platform,
        order_by=wanted.sort.lstrip("-"),
        descending=wanted.sort.startswith("-"),
        offset=(wanted.page - 1) * wanted.page_size,
        limit=wanted.page_size,
    )
    pages = max(1, -(-total // wanted.page_size))
    return BucketPage(summarize(repo, found), total, wanted.page, pages)


@dataclass(frozen=True)
class SearchResult:
    buckets: list[Bucket]
    versions: list[Version]
    artifacts: list[FoundArtifact]


def search_project(repo: Work, scope: Scope, text: str) -> SearchResult:
    """A bucket (by part of its name), a version (by fingerprint or id), or a cloud artifact
    (by its external identifier: an AMI id, an image digest)."""
    active_registry(repo, scope)
    text = text.strip()
    if not text:
        raise InvalidArgument("type part of a bucket name, a fingerprint, a version or artifact id")
    found, _ = repo.overview.bucket_page(scope.project_id, name=text, limit=50)
    by_id = repo.version_in_project(text, scope.project_id, with_builds=False)
    matched = repo.overview.versions_with_fingerprint(scope.project_id, text)
    return SearchResult(
        buckets=found,
        versions=([by_id] if by_id is not None else []) + matched,
        artifacts=find_artifacts(repo, scope, external_identifier=text),
    )


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    operation: str = ""
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def audit_trail(repo: Work, scope: Scope, wanted: AuditFilter) -> list[AuditEvent]:
    if wanted.since and wanted.until and wanted.since >= wanted.until:
        raise InvalidArgument("“since” must be before “until”")
    if not 1 <= wanted.limit <= 10000:
        raise InvalidArgument("ask for 1 to 10000 lines")
    return repo.overview.events(
        scope.project_id,
        actor=wanted.actor,
        operation=wanted.operation,
        since=wanted.since,
        until=wanted.until,
        limit=wanted.limit,
    )
