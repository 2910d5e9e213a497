"""The schema. Uniqueness that matters is a constraint here, so replicas cannot race past it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """SQLite keeps the moment as ISO 8601 text in UTC: read with `fromisoformat`, the same
        text always to the same (immutable) datetime, so that the rows read again and again
        (a page of buckets) neither parse nor hash their moments anew."""
        if dialect.name == "sqlite":
            return _sqlite_moment
        return super().result_processor(dialect, coltype)


@lru_cache(maxsize=8192)
def _sqlite_moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


class Document(TypeDecorator[Any]):
    """JSON; on SQLite an empty object (most labels) is read without the JSON decoder."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        decode = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or decode is None:
            return decode

        def process(value: Any) -> Any:
            return {} if value == "{}" else decode(value)

        return process


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def timestamp(name: str, *, nullable: bool = False) -> Column[object]:
    """A timezone-aware UTC timestamp column."""
    return Column(name, UTCDateTime(), nullable=nullable)


organizations = Table(
    "organizations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    timestamp("created_at"),
)

projects = Table(
    "projects",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    timestamp("created_at"),
)

registries = Table(
    "registries",
    metadata,
    Column("project_id", ForeignKey("projects.id"), primary_key=True),
    Column("id", String(26), nullable=False, unique=True),
    Column("organization_id", String(36), nullable=False),
    Column("activated", Boolean, nullable=False),
    Column("feature_tier", String(20), nullable=False),
    Column("run_task_api_id", String(26), nullable=False),
    Column("run_task_hmac_key", String(100), nullable=False),
    Column(
        "run_task_untracked", String(10), nullable=False, default="UNSET", server_default="UNSET"
    ),
    # Bumped by every write to the project's registry content; read caches compare it.
    Column("content_version", Integer, nullable=False, default=0, server_default="0"),
    timestamp("created_at"),
    timestamp("updated_at"),
)

principals = Table(
    "principals",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("client_id", String(64), nullable=False, unique=True),
    Column("secret_hash", Text, nullable=False),
    Column("secret_generation", Integer, nullable=False, default=1),
    Column("role", String(20), nullable=False),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("project_id", ForeignKey("projects.id"), nullable=True),
    timestamp("created_at"),
)

buckets = Table(
    "buckets",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("organization_id", String(36), nullable=False),
    Column("project_id", ForeignKey("projects.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("labels", Document, nullable=False, default=dict),
    timestamp("created_at"),
    timestamp("updated_at"),
    # How many versions the bucket holds, kept by the writes that add and remove them.
    Column("version_count", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("project_id", "name"),
    # A page of the project's buckets in id order (keyset pages) is an index range.
    Index("ix_buckets_project_id_id", "project_id", "id"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("bucket_id", ForeignKey("buckets.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(255), nullable=False),
    Column("sequence", Integer, nullable=True),
    Column("template_type", String(30), nullable=False),
    Column("author_id", String(200), nullable=False),
    Column("revoke_at", UTCDateTime(), nullable=True),
    Column("revocation_message", Text, nullable=False, default=""),
    Column("revocation_author", String(200), nullable=False, default=""),
    Column("revoked_from_id", String(26), nullable=True),
    timestamp("created_at"),
    timestamp("updated_at"),
    UniqueConstraint("bucket_id", "fingerprint"),
    UniqueConstraint("bucket_id", "sequence"),
    # A page of the bucket's versions in id order (keyset pages) is an index range.
    Index("ix_versions_bucket_id_id", "bucket_id", "id"),
)

builds = Table(
    "builds",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("version_id", ForeignKey("versions.id", ondelete="CASCADE"), nullable=False),
    Column("component_type", String(255), nullable=False),
    Column("packer_run_uuid", String(64), nullable=False, default=""),
    Column("platform", String(255), nullable=False, default=""),
    Column("status", String(20), nullable=False),
    Column("labels", Document, nullable=False, default=dict),
    Column("metadata", Document, nullable=False, default=dict),
    Column("source_external_identifier", String(255), nullable=False, default=""),
    Column("parent_version_id", String(26), nullable=True),
    Column("parent_channel_id", String(26), nullable=True),
    timestamp("created_at"),
    timestamp("updated_at"),
    # The parent version's bucket, written with the parent: a page of buckets finds its
    # children off this index, not through every version of its buckets.
    Column("parent_bucket_id", String(26), nullable=True),
    UniqueConstraint("version_id", "component_type"),
    Index("ix_builds_parent_version_id", "parent_version_id"),
    Index("ix_builds_parent_bucket_id", "parent_bucket_id"),
)

# Each version's platforms (of its builds), with its bucket: kept by the writes to builds,
# gone with the version, so that a bucket's platforms are a few probes of one index.
version_platforms = Table(
    "version_platforms",
    metadata,
    Column("version_id", ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True),
    Column("platform", String(255), primary_key=True),
    Column("bucket_id", String(26), nullable=False),
    Index("ix_version_platforms_bucket_id", "bucket_id", "platform"),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("build_id", ForeignKey("builds.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("external_identifier", String(512), nullable=False),
    Column("region", String(255), nullable=False),
    Column("labels", Document, nullable=False, default=dict),
    timestamp("created_at"),
)

channels = Table(
    "channels",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("bucket_id", ForeignKey("buckets.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("version_id", ForeignKey("versions.id", ondelete="SET NULL"), nullable=True),
    Column("managed", Boolean, nullable=False, default=False),
    Column("restricted", Boolean, nullable=False, default=False),
    Column("author_id", String(200), nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    UniqueConstraint("bucket_id", "name"),
)

channel_history = Table(
    "channel_history",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), nullable=False),
    Column("version_id", String(26), nullable=True),
    Column("author_id", String(200), nullable=False),
    timestamp("created_at"),
    # Why the channel moved: an AssignmentReason value.
    Column("reason", String(20), nullable=False),
    Index("ix_channel_history_channel_id", "channel_id", "id"),
)

sboms = Table(
    "sboms",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("build_id", ForeignKey("builds.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("format", String(20), nullable=False),
    # As uploaded: zstd-compressed JSON, validated to decompress and parse.
    Column("compressed", LargeBinary, nullable=False),
    timestamp("created_at"),
    UniqueConstraint("build_id", "name"),
)

packages = Table(
    "packages",
    metadata,
    Column("id", String(40), primary_key=True),  # the SBOM's id, "-", its position
    Column("sbom_id", ForeignKey("sboms.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("build_id", String(26), nullable=False, index=True),
    Column("name", String(512), nullable=False),
    Column("version", String(255), nullable=False, default=""),
    Column("purl", String(1024), nullable=False, default=""),
    Column("license", String(512), nullable=False, default=""),
)

enforced_blocks = Table(
    "enforced_blocks",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("organization_id", String(36), nullable=False),
    Column("project_id", ForeignKey("projects.id"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("labels", Document, nullable=False, default=dict),
    timestamp("created_at"),
    timestamp("updated_at"),
    UniqueConstraint("project_id", "name"),
)

enforced_block_versions = Table(
    "enforced_block_versions",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("block_id", ForeignKey("enforced_blocks.id", ondelete="CASCADE"), nullable=False),
    Column("version", String(100), nullable=False),
    Column("template_type", String(30), nullable=False),
    Column("block_content", Text, nullable=False),
    Column("additional_description", Text, nullable=False, default=""),
    timestamp("created_at"),
    timestamp("updated_at"),
    UniqueConstraint("block_id", "version"),
)

enforced_block_links = Table(
    "enforced_block_links",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("block_id", ForeignKey("enforced_blocks.id", ondelete="CASCADE"), nullable=False),
    Column(
        "version_id",
        ForeignKey("enforced_block_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("bucket_id", ForeignKey("buckets.id", ondelete="CASCADE"), nullable=False),
    timestamp("created_at"),
    UniqueConstraint("block_id", "bucket_id"),
)

vulnerabilities = Table(
    "vulnerabilities",
    metadata,
    Column("id", String(255), primary_key=True),  # the OSV id, e.g. CVE-2024-1234
    Column("record", JSON, nullable=False),  # the OSV record as imported
    timestamp("imported_at"),
)

vulnerable_packages = Table(
    "vulnerable_packages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "vulnerability_id",
        ForeignKey("vulnerabilities.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(512), nullable=False, index=True),
    Column("purl", String(1024), nullable=False, default=""),
)


# Roles granted on one bucket (its IAM policy): a principal may do there what the role allows,
# whatever its own role in the project.
bucket_grants = Table(
    "bucket_grants",
    metadata,
    Column("bucket_id", ForeignKey("buckets.id", ondelete="CASCADE"), primary_key=True),
    Column("principal_id", ForeignKey("principals.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(20), primary_key=True),
    timestamp("created_at"),
    Index("ix_bucket_grants_principal_id", "principal_id"),
)


audit_events = Table(
    "audit_events",
    metadata,
    Column("id", String(26), primary_key=True),  # a ULID: ordered by time
    timestamp("occurred_at"),
    Column("actor_id", String(200), nullable=False),
    Column("actor_name", String(200), nullable=False),
    Column("operation", String(100), nullable=False),
    Column("method", String(10), nullable=False),
    Column("resource", Text, nullable=False),
    Column("organization_id", String(36), nullable=True),
    Column("project_id", String(36), nullable=True),
    Column("source", String(100), nullable=False),
    Column("forwarded_for", String(200), nullable=False),
    Index("ix_audit_events_occurred_at", "occurred_at"),
)


# Server-wide secrets every replica shares, such as the token signing key.
server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("secret", Text, nullable=False),
    timestamp("created_at"),
)


# Run task requests received, by the task result they ask a verdict for: each is served once.
run_task_runs = Table(
    "run_task_runs",
    metadata,
    Column("registry_id", String(26), primary_key=True),
    Column("task_result_id", String(200), primary_key=True),
    timestamp("received_at"),
    Index("ix_run_task_runs_received_at", "received_at"),
)


# Token signing keys by key id (a ULID, in each token's header): the newest unretired key
# signs; a retired one only verifies until the last token it signed has expired.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(26), primary_key=True),
    Column("secret", Text, nullable=False),
    timestamp("created_at"),
    timestamp("retired_at", nullable=True),
)

# Workload identity providers: the OIDC issuers a project-level service principal trusts,
# by name under the principal; deleted with it.
workload_identity_providers = Table(
    "workload_identity_providers",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("principal_id", ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("issuer_uri", Text, nullable=False),
    Column("allowed_audiences", Text, nullable=False),  # a JSON list
    Column("conditional_access", Text, nullable=False),
    Column("description", Text, nullable=False),
    timestamp("created_at"),
    timestamp("updated_at"),
    UniqueConstraint("principal_id", "name"),
)


# The people's and the webhooks' tables are in their own modules, on this metadata; they are
# imported here so that wherever the schema is read (migrations, backups), it is whole.
from packyard.store import account_tables, webhook_tables  # noqa: E402

__all__ = ["account_tables", "metadata", "timestamp", "webhook_tables"]
