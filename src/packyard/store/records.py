"""The store's records: each aggregate's rows mapped to domain objects, and the base every
aggregate's gateway shares (one open transaction). No business rules here.

Each gateway's writes are built once, their values bound per call: building a statement with
its values costs several times what running it does (the row to change is bound as
"changed_id").
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Row, select
from sqlalchemy.engine import RowMapping

from packyard.domain.registry import (
    Bucket,
    Build,
    BuildStatus,
    Channel,
    FeatureTier,
    Registry,
    RunTaskBehaviour,
    TemplateType,
    Version,
)
from packyard.store.tables import buckets, builds, versions

VERSION_COLUMNS = (*versions.c, buckets.c.name.label("bucket_name"))
# A version's columns beside a build's, in one row: each prefixed, as both have an id.
PREFIXED_VERSION = (
    *(column.label(f"version__{column.key}") for column in versions.c),
    buckets.c.name.label("version__bucket_name"),
)


def as_bucket(row: Any) -> Bucket:
    """A bucket from a row of the whole buckets table, unpacked by position (a page of
    buckets makes a hundred of these: a Row's attributes cost more than its tuple)."""
    id_, organization_id, project_id, name, description, labels, created, updated, count = row
    return Bucket(
        id=id_,
        organization_id=organization_id,
        project_id=project_id,
        name=name,
        description=description,
        labels=dict(labels or {}),
        created_at=created,
        updated_at=updated,
        version_count=count,
    )


def as_version(row: Row[Any] | Any) -> Version:
    return Version(
        id=row.id,
        bucket_id=row.bucket_id,
        bucket_name=row.bucket_name,
        fingerprint=row.fingerprint,
        sequence=row.sequence,
        template_type=TemplateType(row.template_type),
        author_id=row.author_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        revoke_at=row.revoke_at,
        revocation_message=row.revocation_message,
        revocation_author=row.revocation_author,
        revoked_from_id=row.revoked_from_id,
    )


def as_prefixed_version(row: RowMapping) -> Version:
    return as_version(
        SimpleNamespace(
            **{key[9:]: value for key, value in row.items() if key.startswith("version__")}
        )
    )


def as_build(row: Row[Any] | Any) -> Build:
    return Build(
        id=row.id,
        version_id=row.version_id,
        component_type=row.component_type,
        status=BuildStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        packer_run_uuid=row.packer_run_uuid,
        platform=row.platform,
        labels=dict(row.labels or {}),
        metadata=dict(row.metadata or {}),
        source_external_identifier=row.source_external_identifier,
        parent_version_id=row.parent_version_id,
        parent_channel_id=row.parent_channel_id,
    )


def as_channel(row: Row[Any] | Any) -> Channel:
    return Channel(
        id=row.id,
        bucket_id=row.bucket_id,
        bucket_name=row.bucket_name,
        name=row.name,
        managed=row.managed,
        restricted=row.restricted,
        author_id=row.author_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def as_registry(row: Row[Any] | Any) -> Registry:
    return Registry(
        id=row.id,
        organization_id=row.organization_id,
        project_id=row.project_id,
        activated=row.activated,
        feature_tier=FeatureTier(row.feature_tier),
        run_task_api_id=row.run_task_api_id,
        run_task_hmac_key=row.run_task_hmac_key,
        run_task_untracked=RunTaskBehaviour(row.run_task_untracked),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class Records:
    """What every aggregate's gateway shares: the open transaction, and whether its look-ups
    lock the bucket they find (see Repository)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._locking = bool(conn.info.get("write")) and conn.dialect.name != "sqlite"
        # The registry row is read by most use cases, often more than once per transaction.
        self._registries: dict[str, Registry | None] = {}
        # The newest history entry of each channel read in this transaction (None: none yet),
        # kept current by add_assignment, the one writer of the history.
        self._newest_entries: dict[str, str | None] = {}

    def _lock_bucket_of(self, *where: Any, through_builds: bool = False) -> None:
        query = select(buckets.c.id).join(versions, versions.c.bucket_id == buckets.c.id)
        if through_builds:
            query = query.join(builds, builds.c.version_id == versions.c.id)
        self.conn.execute(query.where(*where).with_for_update(of=buckets))
