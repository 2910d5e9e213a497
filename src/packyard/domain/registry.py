"""Buckets, versions (iterations), builds, artifacts (images) and channels, and their rules."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from packyard.errors import InvalidArgument


class BuildStatus(StrEnum):
    UNSET = "UNSET"
    RUNNING = "RUNNING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class AssignmentReason(StrEnum):
    """Why a channel moved: a person or client assigned it, a revocation or a version's deletion
    rolled it back, a completed version moved `latest`, the channel was made with a version,
    a deleted version left it empty; `unknown` for entries written before reasons were kept."""

    MANUAL = "manual"
    ROLLBACK = "rollback"
    COMPLETED = "completed"
    CREATED = "created"
    DELETED = "deleted"
    UNKNOWN = "unknown"


class TemplateType(StrEnum):
    UNSET = "TEMPLATE_TYPE_UNSET"
    HCL2 = "HCL2"
    JSON = "JSON"


class VersionState(StrEnum):
    """What a version is, derived from its builds, its sequence number and its revocation."""

    RUNNING = "RUNNING"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    REVOKED = "REVOKED"
    REVOCATION_SCHEDULED = "REVOCATION_SCHEDULED"
    ACTIVE = "ACTIVE"


class AncestryStatus(StrEnum):
    UNDETERMINED = "UNDETERMINED"
    UP_TO_DATE = "UP_TO_DATE"
    OUT_OF_DATE = "OUT_OF_DATE"


class FeatureTier(StrEnum):
    UNSET = "UNSET"
    PRIVATE_BETA = "PRIVATE_BETA"
    STANDARD = "STANDARD"
    PLUS = "PLUS"


class RunTaskBehaviour(StrEnum):
    """What the run task does with an image the registry does not know."""

    UNSET = "UNSET"
    FAIL = "FAIL"
    WARN = "WARN"


@dataclass
class Artifact:
    id: str
    external_identifier: str
    region: str
    created_at: datetime
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Build:
    id: str
    version_id: str
    component_type: str
    status: BuildStatus
    created_at: datetime
    updated_at: datetime
    packer_run_uuid: str = ""
    platform: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, object] = field(default_factory=dict)
    source_external_identifier: str = ""
    parent_version_id: str | None = None
    parent_channel_id: str | None = None
    artifacts: list[Artifact] = field(default_factory=list)


@dataclass
class Version:
    id: str
    bucket_id: str
    bucket_name: str
    fingerprint: str
    sequence: int | None
    template_type: TemplateType
    author_id: str
    created_at: datetime
    updated_at: datetime
    revoke_at: datetime | None = None
    revocation_message: str = ""
    revocation_author: str = ""
    revoked_from_id: str | None = None
    builds: list[Build] = field(default_factory=list)
    has_descendants: bool = False
    parents_status: AncestryStatus | None = None  # filled where the parents are read

    @property
    def complete(self) -> bool:
        return self.sequence is not None

    def is_revoked(self, now: datetime) -> bool:
        return self.revoke_at is not None and self.revoke_at <= now

    def revocation_scheduled(self, now: datetime) -> bool:
        return self.revoke_at is not None and self.revoke_at > now

    def state(self, now: datetime) -> VersionState:
        if self.is_revoked(now):
            return VersionState.REVOKED
        if self.revocation_scheduled(now):
            return VersionState.REVOCATION_SCHEDULED
        if self.complete:
            return VersionState.ACTIVE
        statuses = {build.status for build in self.builds}
        if BuildStatus.FAILED in statuses:
            return VersionState.FAILED
        if BuildStatus.CANCELLED in statuses:
            return VersionState.CANCELLED
        return VersionState.RUNNING

    def build_statuses(self) -> dict[str, str]:
        return {build.component_type: build.status.value for build in self.builds}


@dataclass
class Bucket:
    id: str
    organization_id: str
    project_id: str
    name: str
    description: str
    labels: dict[str, str]
    created_at: datetime
    updated_at: datetime
    version_count: int = 0
    latest_version: Version | None = None
    platforms: list[str] = field(default_factory=list)
    children_status: AncestryStatus | None = None


@dataclass
class Channel:
    id: str
    bucket_id: str
    bucket_name: str
    name: str
    managed: bool
    restricted: bool
    author_id: str
    created_at: datetime
    updated_at: datetime
    version: Version | None = None


@dataclass
class Assignment:
    """One entry of a channel's history."""

    id: str
    channel_id: str
    version_id: str | None
    author_id: str
    created_at: datetime
    version: Version | None = None
    reason: AssignmentReason = AssignmentReason.MANUAL


@dataclass
class Registry:
    id: str
    organization_id: str
    project_id: str
    activated: bool
    feature_tier: FeatureTier
    run_task_api_id: str
    run_task_hmac_key: str
    created_at: datetime
    updated_at: datetime
    run_task_untracked: RunTaskBehaviour = field(default_factory=lambda: RunTaskBehaviour.UNSET)


@dataclass
class Ancestry:
    """A parent version that a child version's build was built from."""

    status: AncestryStatus
    parent: Version
    child: Version
    channel: Channel | None = None


MANAGED_CHANNEL = "latest"

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
}


MAX_DURATION = timedelta(days=100 * 366)  # far enough; datetimes end at year 9999


def parse_duration(text: str) -> timedelta:
    """A duration such as "30d", "2h45m" or "0s", as revoke_in takes it."""
    text = text.strip()
    if not text or _DURATION.sub("", text):
        raise InvalidArgument(f'invalid duration "{text}": use e.g. "30d", "2h45m" or "0s"')
    seconds = sum(float(amount) * _UNIT_SECONDS[unit] for amount, unit in _DURATION.findall(text))
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidArgument(f'duration "{text}" is too long: at most {MAX_DURATION.days} days')
    return timedelta(seconds=seconds)


NAME_LIMIT = 255  # characters, the store's column for names on every backend


def require_name(value: str | None, what: str, *, limit: int = NAME_LIMIT) -> str:
    """A name or identifier: not blank, at most `limit` characters, no control characters."""
    if value is None or not value.strip():
        raise InvalidArgument(f"{what} is required")
    if len(value) > limit:
        raise InvalidArgument(f"{what} is longer than {limit} characters")
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise InvalidArgument(f"{what} may not contain control characters")
    return value


METADATA_DEPTH = 32  # how deep a build's free-form metadata may nest


def require_shallow(value: object, what: str, *, limit: int = METADATA_DEPTH) -> None:
    """Free-form JSON that nests at most `limit` levels (every layer below has limits too)."""
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > limit:
            raise InvalidArgument(f"{what} nests more than {limit} levels deep")
        level = [
            item
            for node in level
            if isinstance(node, dict | list)
            for item in (node.values() if isinstance(node, dict) else node)
        ]


def require_path_name(value: str | None, what: str) -> str:
    """A name that clients put in a URL path (bucket, channel, fingerprint, SBOM): a name
    that is one path segment, so no "/" and not "." or "..", which clients fold away."""
    require_name(value, what)
    assert value is not None
    if "/" in value or value in (".", ".."):
        raise InvalidArgument(f'{what} may not contain "/" or be "." or ".."')
    return value


def overall_status(statuses: list[AncestryStatus]) -> AncestryStatus | None:
    """One status for many relations: out of date if any is, up to date if any is."""
    for status in (AncestryStatus.OUT_OF_DATE, AncestryStatus.UP_TO_DATE):
        if status in statuses:
            return status
    return AncestryStatus.UNDETERMINED if statuses else None


def ancestry_status(parent: Version, channel: Channel | None, now: datetime) -> AncestryStatus:
    """Compare the parent a build recorded with what its parent channel points at now."""
    if parent.is_revoked(now):
        return AncestryStatus.OUT_OF_DATE
    if channel is None or channel.version is None:
        return AncestryStatus.UNDETERMINED
    if channel.version.id == parent.id:
        return AncestryStatus.UP_TO_DATE
    return AncestryStatus.OUT_OF_DATE
