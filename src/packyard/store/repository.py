"""Reads and writes of registry records, mapped to domain objects. No business rules here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from packyard.domain.registry import (
    Artifact,
    Assignment,
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
from packyard.domain.sbom import FoundPackage, Package, Sbom, SbomFormat
from packyard.ids import new_id_after
from packyard.store.tables import (
    artifacts,
    buckets,
    builds,
    channel_history,
    channels,
    packages,
    registries,
    sboms,
    versions,
)

_VERSION_COLUMNS = (*versions.c, buckets.c.name.label("bucket_name"))
# A version's columns beside a build's, in one row: each prefixed, as both have an id.
_PREFIXED_VERSION = (
    *(column.label(f"version__{column.key}") for column in versions.c),
    buckets.c.name.label("version__bucket_name"),
)


# Built once (a write's hottest read): every build of the version of the named build, each
# with the version, whose registry must be activated, and its own count of artifacts.
_BUILD_IN_VERSION = (
    select(
        *builds.c,
        *_PREFIXED_VERSION,
        select(func.count())
        .select_from(artifacts)
        .where(artifacts.c.build_id == builds.c.id)
        .scalar_subquery()
        .label("artifact_count"),
    )
    .join(versions, versions.c.id == builds.c.version_id)
    .join(buckets, buckets.c.id == versions.c.bucket_id)
    .join(registries, registries.c.project_id == buckets.c.project_id)
    .where(
        builds.c.version_id
        == select(builds.c.version_id)
        .where(builds.c.id == bindparam("build_id"))
        .scalar_subquery(),
        buckets.c.project_id == bindparam("project_id"),
        registries.c.activated.is_(True),
    )
    .order_by(builds.c.id)
)


# Writes built once, their values bound per call: building a statement with its values costs
# several times what running it does (the row to change is bound as "changed_id").
_ADD_VERSION = insert(versions)
_ADD_BUILD = insert(builds)
_ADD_ASSIGNMENT = insert(channel_history)
_CHANGE_VERSION = update(versions).where(versions.c.id == bindparam("changed_id"))
_CHANGE_BUILD = update(builds).where(builds.c.id == bindparam("changed_id"))
_CHANGE_CHANNEL = update(channels).where(channels.c.id == bindparam("changed_id"))
_BUMP_CONTENT = (
    update(registries)
    .where(registries.c.project_id == bindparam("project"))
    .values(content_version=registries.c.content_version + 1)
)
_taken = versions.alias("taken")
# A version's completion: its bucket's next sequence number, taken in the update itself.
_TAKE_NEXT_SEQUENCE = (
    update(versions)
    .where(versions.c.id == bindparam("changed_id"))
    .values(
        sequence=select(func.coalesce(func.max(_taken.c.sequence), 0) + 1)
        .where(_taken.c.bucket_id == bindparam("bucket"))
        .scalar_subquery()
    )
    .returning(versions.c.sequence)
)


def _bucket(row: Row[Any] | Any) -> Bucket:
    return Bucket(
        id=row.id,
        organization_id=row.organization_id,
        project_id=row.project_id,
        name=row.name,
        description=row.description,
        labels=dict(row.labels or {}),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _version(row: Row[Any] | Any) -> Version:
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


def _prefixed_version(row: RowMapping) -> Version:
    return _version(
        SimpleNamespace(
            **{key[9:]: value for key, value in row.items() if key.startswith("version__")}
        )
    )


def _build(row: Row[Any] | Any) -> Build:
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


def _channel(row: Row[Any] | Any) -> Channel:
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


def _registry(row: Row[Any] | Any) -> Registry:
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


class Repository:
    """Every query the services need, over one open transaction.

    In a PostgreSQL write transaction, every look-up that finds a bucket, or a version or
    build by its id, first locks the bucket's row until the transaction ends: writes to one
    bucket (a version's next sequence number, its completion, a channel and its history)
    then run one at a time, and each reads what the one before it committed. SQLite's
    writers run one at a time already.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._locking = bool(conn.info.get("write")) and conn.dialect.name != "sqlite"
        # The registry row is read by most use cases, often more than once per transaction.
        self._registries: dict[str, Registry | None] = {}
        # The newest history entry of each channel read in this transaction (None: none yet),
        # kept current by add_assignment, the one writer of the history.
        self._newest_entries: dict[str, str | None] = {}

    # registries -------------------------------------------------------------------------
    def registry(self, project_id: str) -> Registry | None:
        if project_id not in self._registries:
            row = self.conn.execute(
                select(registries).where(registries.c.project_id == project_id)
            ).first()
            self._registries[project_id] = None if row is None else _registry(row)
        return self._registries[project_id]

    def registry_by_run_task(self, api_id: str) -> Registry | None:
        row = self.conn.execute(
            select(registries).where(registries.c.run_task_api_id == api_id)
        ).first()
        return None if row is None else _registry(row)

    def revoked_artifacts(self, project_id: str, now: datetime) -> list[tuple[str, Version]]:
        """(external identifier, version) of every artifact whose version is revoked now."""
        rows = self.conn.execute(
            select(artifacts.c.external_identifier, *_VERSION_COLUMNS)
            .join(builds, builds.c.id == artifacts.c.build_id)
            .join(versions, versions.c.id == builds.c.version_id)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(
                buckets.c.project_id == project_id,
                versions.c.revoke_at.is_not(None),
                versions.c.revoke_at <= now,
            )
        )
        return [(row.external_identifier, _version(row)) for row in rows]

    def known_artifacts(self, project_id: str, identifiers: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(identifiers), 500):  # stay under bind-parameter limits
            found |= self._known_artifacts(project_id, identifiers[start : start + 500])
        return found

    def _known_artifacts(self, project_id: str, identifiers: Sequence[str]) -> set[str]:
        rows = self.conn.execute(
            select(artifacts.c.external_identifier)
            .join(builds, builds.c.id == artifacts.c.build_id)
            .join(versions, versions.c.id == builds.c.version_id)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(
                buckets.c.project_id == project_id,
                artifacts.c.external_identifier.in_(identifiers),
            )
        )
        return {row[0] for row in rows}

    def add_registry(self, registry: Registry) -> None:
        self._registries.clear()
        self.conn.execute(insert(registries).values(**vars(registry)))

    def change_registry(self, project_id: str, **values: Any) -> None:
        self._registries.clear()
        self.conn.execute(
            update(registries).where(registries.c.project_id == project_id).values(**values)
        )

    def bump_content(self, project_id: str) -> None:
        self.conn.execute(_BUMP_CONTENT, {"project": project_id})

    def remove_registry(self, project_id: str) -> None:
        self._registries.clear()
        self.conn.execute(delete(registries).where(registries.c.project_id == project_id))

    # buckets ----------------------------------------------------------------------------
    def bucket(self, project_id: str, name: str) -> Bucket | None:
        query = select(buckets).where(buckets.c.project_id == project_id, buckets.c.name == name)
        row = self.conn.execute(query.with_for_update() if self._locking else query).first()
        return None if row is None else _bucket(row)

    def lock_bucket(self, bucket_id: str) -> None:
        if self._locking:
            self.conn.execute(
                select(buckets.c.id).where(buckets.c.id == bucket_id).with_for_update()
            )

    def _lock_bucket_of(self, *where: Any, through_builds: bool = False) -> None:
        query = select(buckets.c.id).join(versions, versions.c.bucket_id == buckets.c.id)
        if through_builds:
            query = query.join(builds, builds.c.version_id == versions.c.id)
        self.conn.execute(query.where(*where).with_for_update(of=buckets))

    def bucket_by_id(self, bucket_id: str) -> Bucket | None:
        row = self.conn.execute(select(buckets).where(buckets.c.id == bucket_id)).first()
        return None if row is None else _bucket(row)

    def buckets(
        self, project_id: str, *, offset: int = 0, limit: int | None = None
    ) -> list[Bucket]:
        """The project's buckets in the order they were made (by id), or `limit` of them
        from `offset`."""
        query = select(buckets).where(buckets.c.project_id == project_id).order_by(buckets.c.id)
        if offset or limit is not None:
            query = query.offset(offset).limit(limit)
        return [_bucket(row) for row in self.conn.execute(query)]

    def add_bucket(self, bucket: Bucket, *, now: datetime) -> None:
        self.conn.execute(
            insert(buckets).values(
                id=bucket.id,
                organization_id=bucket.organization_id,
                project_id=bucket.project_id,
                name=bucket.name,
                description=bucket.description,
                labels=bucket.labels,
                created_at=now,
                updated_at=now,
            )
        )

    def change_bucket(self, bucket_id: str, **values: Any) -> None:
        self.conn.execute(update(buckets).where(buckets.c.id == bucket_id).values(**values))

    def remove_bucket(self, bucket_id: str) -> None:
        self.conn.execute(delete(buckets).where(buckets.c.id == bucket_id))

    def version_counts(self, bucket_ids: Sequence[str]) -> dict[str, int]:
        rows = self.conn.execute(
            select(versions.c.bucket_id, func.count())
            .where(versions.c.bucket_id.in_(bucket_ids))
            .group_by(versions.c.bucket_id)
        )
        return {bucket_id: count for bucket_id, count in rows}

    def latest_versions(self, bucket_ids: Sequence[str]) -> dict[str, Version]:
        newest = (
            select(versions.c.bucket_id, func.max(versions.c.sequence).label("sequence"))
            .where(versions.c.bucket_id.in_(bucket_ids))
            .group_by(versions.c.bucket_id)
            .subquery()
        )
        rows = self.conn.execute(
            select(*_VERSION_COLUMNS)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .join(
                newest,
                and_(
                    newest.c.bucket_id == versions.c.bucket_id,
                    newest.c.sequence == versions.c.sequence,
                ),
            )
        )
        found = {row.bucket_id: _version(row) for row in rows}
        self.fill_builds(list(found.values()))
        return found

    def platforms(self, bucket_ids: Sequence[str]) -> dict[str, list[str]]:
        rows = self.conn.execute(
            select(versions.c.bucket_id, builds.c.platform)
            .join(builds, builds.c.version_id == versions.c.id)
            .where(versions.c.bucket_id.in_(bucket_ids), builds.c.platform != "")
            .distinct()
            .order_by(builds.c.platform)
        )
        found: dict[str, list[str]] = {}
        for bucket_id, platform in rows:
            found.setdefault(bucket_id, []).append(platform)
        return found

    def child_links_of_buckets(self, bucket_ids: Sequence[str]) -> list[tuple[str, Build]]:
        """Builds, in any bucket, that recorded a version of one of these buckets as their
        parent, each with that parent's bucket: the children of a whole page in one query."""
        if not bucket_ids:
            return []
        rows = self.conn.execute(
            select(versions.c.bucket_id.label("parent_bucket_id"), *builds.c)
            .join(versions, versions.c.id == builds.c.parent_version_id)
            .where(versions.c.bucket_id.in_(bucket_ids))
        )
        return [(row.parent_bucket_id, _build(row)) for row in rows]

    # versions ---------------------------------------------------------------------------
    def _versions(self, *where: Any) -> list[Version]:
        rows = self.conn.execute(
            select(*_VERSION_COLUMNS)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(*where)
            .order_by(versions.c.id)
        )
        return [_version(row) for row in rows]

    def version(self, *where: Any, with_builds: bool = True) -> Version | None:
        found = self._versions(*where)
        if not found:
            return None
        if with_builds:
            self.fill_builds(found)
        return found[0]

    def version_in_project(
        self, version_id: str, project_id: str, *, with_builds: bool = True
    ) -> Version | None:
        if self._locking:
            self._lock_bucket_of(versions.c.id == version_id, buckets.c.project_id == project_id)
        return self.version(
            versions.c.id == version_id,
            buckets.c.project_id == project_id,
            with_builds=with_builds,
        )

    def version_in_named_bucket(
        self,
        project_id: str,
        bucket_name: str,
        *,
        version_id: str | None = None,
        fingerprint: str | None = None,
    ) -> Version | None:
        """A version, without its builds, of the project's activated registry, by its bucket's
        name and its id or fingerprint, in one query (after the bucket's lock, as every
        look-up of a bucket)."""
        if self._locking:
            self.conn.execute(
                select(buckets.c.id)
                .where(buckets.c.project_id == project_id, buckets.c.name == bucket_name)
                .with_for_update()
            )
        named = versions.c.id == version_id if version_id else versions.c.fingerprint == fingerprint
        row = self.conn.execute(
            select(*_VERSION_COLUMNS)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .join(registries, registries.c.project_id == buckets.c.project_id)
            .where(
                buckets.c.project_id == project_id,
                buckets.c.name == bucket_name,
                registries.c.activated.is_(True),
                named,
            )
        ).first()
        return None if row is None else _version(row)

    def build_statuses(self, version_id: str) -> list[str]:
        rows = self.conn.execute(select(builds.c.status).where(builds.c.version_id == version_id))
        return [row[0] for row in rows]

    def version_by_id(self, version_id: str) -> Version | None:
        return self.version(versions.c.id == version_id)

    def versions_of(self, bucket_id: str, *, complete_only: bool = False) -> list[Version]:
        where = [versions.c.bucket_id == bucket_id]
        if complete_only:
            where.append(versions.c.sequence.is_not(None))
        found = self._versions(*where)
        self.fill_builds(found)
        return found

    def version_ids_of(self, bucket_id: str) -> list[str]:
        rows = self.conn.execute(select(versions.c.id).where(versions.c.bucket_id == bucket_id))
        return [row[0] for row in rows]

    def versions_by_ids(
        self, version_ids: Iterable[str], *, with_builds: bool = True
    ) -> dict[str, Version]:
        ids = list(set(version_ids))
        if not ids:
            return {}
        found = self._versions(versions.c.id.in_(ids))
        if with_builds:
            self.fill_builds(found)
        return {version.id: version for version in found}

    def add_version(self, version: Version) -> None:
        self.conn.execute(
            _ADD_VERSION,
            {
                "id": version.id,
                "bucket_id": version.bucket_id,
                "fingerprint": version.fingerprint,
                "sequence": version.sequence,
                "template_type": version.template_type.value,
                "author_id": version.author_id,
                "created_at": version.created_at,
                "updated_at": version.updated_at,
            },
        )

    def change_version(self, version_id: str, **values: Any) -> None:
        self.conn.execute(_CHANGE_VERSION, {"changed_id": version_id, **values})

    def change_versions(self, version_ids: Sequence[str], **values: Any) -> None:
        if version_ids:
            self.conn.execute(
                update(versions).where(versions.c.id.in_(version_ids)).values(**values)
            )

    def change_inherited(self, root_id: str, **values: Any) -> None:
        """Change every version whose revocation was inherited from the root version."""
        self.conn.execute(
            update(versions).where(versions.c.revoked_from_id == root_id).values(**values)
        )

    def remove_version(self, version_id: str) -> None:
        self.conn.execute(delete(versions).where(versions.c.id == version_id))

    def take_next_sequence(self, version: Version, *, now: datetime) -> int:
        """Give the version its bucket's next sequence number, in one statement; a number
        taken concurrently clashes on the store's unique (bucket, sequence)."""
        sequence: int = self.conn.execute(
            _TAKE_NEXT_SEQUENCE,
            {"changed_id": version.id, "bucket": version.bucket_id, "updated_at": now},
        ).scalar_one()
        return sequence

    def child_version_ids(self, parent_ids: Sequence[str]) -> set[str]:
        if not parent_ids:
            return set()
        rows = self.conn.execute(
            select(builds.c.version_id).where(builds.c.parent_version_id.in_(parent_ids))
        )
        return {row[0] for row in rows}

    def parent_links(self, version_ids: Sequence[str]) -> list[Build]:
        """Builds of these versions that recorded a parent version."""
        rows = self.conn.execute(
            select(builds).where(
                builds.c.version_id.in_(version_ids), builds.c.parent_version_id.is_not(None)
            )
        )
        return [_build(row) for row in rows]

    def child_links(self, parent_ids: Sequence[str]) -> list[Build]:
        """Builds, in any bucket, that recorded one of these versions as their parent."""
        rows = self.conn.execute(select(builds).where(builds.c.parent_version_id.in_(parent_ids)))
        return [_build(row) for row in rows]

    # builds and artifacts ----------------------------------------------------------------
    def fill_builds(self, found: list[Version]) -> None:
        if not found:
            return
        by_version = {version.id: version for version in found}
        rows = self.conn.execute(
            select(builds).where(builds.c.version_id.in_(by_version)).order_by(builds.c.id)
        )
        all_builds = [_build(row) for row in rows]
        self.fill_artifacts(all_builds)
        for build in all_builds:
            by_version[build.version_id].builds.append(build)
        parents = self.conn.execute(
            select(builds.c.parent_version_id)
            .where(builds.c.parent_version_id.in_(by_version))
            .distinct()
        )
        with_children = {row[0] for row in parents}
        for version in found:
            version.has_descendants = version.id in with_children

    def fill_artifacts(self, found: list[Build]) -> None:
        if not found:
            return
        by_build = {build.id: build for build in found}
        rows = self.conn.execute(
            select(artifacts).where(artifacts.c.build_id.in_(by_build)).order_by(artifacts.c.id)
        )
        for row in rows:
            by_build[row.build_id].artifacts.append(
                Artifact(
                    id=row.id,
                    external_identifier=row.external_identifier,
                    region=row.region,
                    created_at=row.created_at,
                    labels=dict(row.labels or {}),
                )
            )

    def build(self, build_id: str, *, project_id: str | None = None) -> Build | None:
        query = select(builds).where(builds.c.id == build_id)
        if self._locking:
            self._lock_bucket_of(builds.c.id == build_id, through_builds=True)
        if project_id is not None:
            query = (
                query.join(versions, versions.c.id == builds.c.version_id)
                .join(buckets, buckets.c.id == versions.c.bucket_id)
                .where(buckets.c.project_id == project_id)
            )
        row = self.conn.execute(query).first()
        if row is None:
            return None
        found = _build(row)
        self.fill_artifacts([found])
        return found

    def build_in_version(self, build_id: str, project_id: str) -> tuple[Build, Version] | None:
        """A build of the project's activated registry, with its version and the version's
        other builds, in one query (after the bucket's lock, as every look-up by build id).

        The version's builds carry no artifacts, but the asked-for build has its own when it
        has any (read only then). The version's descendants are not looked at.
        """
        if self._locking:
            self._lock_bucket_of(builds.c.id == build_id, through_builds=True)
        rows = self.conn.execute(
            _BUILD_IN_VERSION, {"build_id": build_id, "project_id": project_id}
        ).all()
        if not rows:
            return None
        version = _prefixed_version(rows[0]._mapping)
        version.builds = [_build(row) for row in rows]
        found = next((item for item in version.builds if item.id == build_id), None)
        if found is None:
            return None
        if next(row.artifact_count for row in rows if row.id == build_id):
            self.fill_artifacts([found])
        return found, version

    def add_build(self, build: Build) -> None:
        self.conn.execute(
            _ADD_BUILD,
            {
                "id": build.id,
                "version_id": build.version_id,
                "component_type": build.component_type,
                "packer_run_uuid": build.packer_run_uuid,
                "platform": build.platform,
                "status": build.status.value,
                "labels": build.labels,
                "metadata": build.metadata,
                "source_external_identifier": build.source_external_identifier,
                "parent_version_id": build.parent_version_id,
                "parent_channel_id": build.parent_channel_id,
                "created_at": build.created_at,
                "updated_at": build.updated_at,
            },
        )
        self.add_artifacts(build.id, build.artifacts)

    def change_build(self, build_id: str, **values: Any) -> None:
        self.conn.execute(_CHANGE_BUILD, {"changed_id": build_id, **values})

    def remove_build(self, build_id: str) -> None:
        self.conn.execute(delete(builds).where(builds.c.id == build_id))

    def replace_artifacts(
        self, build_id: str, found: list[Artifact], *, previous: list[Artifact] | None = None
    ) -> None:
        """Replace a build's artifacts; `previous`, when the caller read them in this
        transaction, spares the delete of none."""
        if previous is None or previous:
            self.conn.execute(delete(artifacts).where(artifacts.c.build_id == build_id))
        self.add_artifacts(build_id, found)

    def add_artifacts(self, build_id: str, found: list[Artifact]) -> None:
        if found:
            self.conn.execute(
                insert(artifacts),
                [
                    {
                        "id": artifact.id,
                        "build_id": build_id,
                        "external_identifier": artifact.external_identifier,
                        "region": artifact.region,
                        "labels": artifact.labels,
                        "created_at": artifact.created_at,
                    }
                    for artifact in found
                ],
            )

    # channels ---------------------------------------------------------------------------
    def _channels(self, *where: Any, with_version: bool = True) -> list[Channel]:
        newest = (
            select(func.max(channel_history.c.id))
            .where(channel_history.c.channel_id == channels.c.id)
            .scalar_subquery()
        )
        rows = self.conn.execute(
            select(*channels.c, buckets.c.name.label("bucket_name"), newest.label("newest_entry"))
            .join(buckets, buckets.c.id == channels.c.bucket_id)
            .where(*where)
            .order_by(channels.c.id)
        )
        found: list[Channel] = []
        version_ids: dict[str, str] = {}
        for row in rows:
            channel = _channel(row)
            self._newest_entries[channel.id] = row.newest_entry
            if row.version_id:
                version_ids[channel.id] = row.version_id
            found.append(channel)
        if not with_version:
            return found
        assigned = self.versions_by_ids(version_ids.values())
        for channel in found:
            if channel.id in version_ids:
                channel.version = assigned.get(version_ids[channel.id])
        return found

    def channel(self, bucket_id: str, name: str, *, with_version: bool = True) -> Channel | None:
        """The channel; without its version (left None) when the caller will not show it."""
        found = self._channels(
            channels.c.bucket_id == bucket_id, channels.c.name == name, with_version=with_version
        )
        return found[0] if found else None

    def channel_by_id(self, channel_id: str) -> Channel | None:
        found = self._channels(channels.c.id == channel_id)
        return found[0] if found else None

    def channels_of(self, bucket_id: str) -> list[Channel]:
        return self._channels(channels.c.bucket_id == bucket_id)

    def channels_by_ids(self, channel_ids: Iterable[str]) -> dict[str, Channel]:
        ids = list(set(channel_ids))
        if not ids:
            return {}
        return {channel.id: channel for channel in self._channels(channels.c.id.in_(ids))}

    def channels_on(self, version_id: str, *, with_version: bool = True) -> list[Channel]:
        return self._channels(channels.c.version_id == version_id, with_version=with_version)

    def add_channel(self, channel: Channel) -> None:
        self.conn.execute(
            insert(channels).values(
                id=channel.id,
                bucket_id=channel.bucket_id,
                name=channel.name,
                version_id=channel.version.id if channel.version else None,
                managed=channel.managed,
                restricted=channel.restricted,
                author_id=channel.author_id,
                created_at=channel.created_at,
                updated_at=channel.updated_at,
            )
        )

    def change_channel(self, channel_id: str, **values: Any) -> None:
        self.conn.execute(_CHANGE_CHANNEL, {"changed_id": channel_id, **values})

    def remove_channel(self, channel_id: str) -> None:
        self.conn.execute(delete(channels).where(channels.c.id == channel_id))

    def add_assignment(self, entry: Assignment) -> None:
        """Append to a channel's history; ids increase in the order the entries are written.

        Writers of one channel hold its bucket's lock, so the newest entry, read with the
        channel in this transaction (or here), is the last one committed; a fresh ULID can
        sort before it (same millisecond, or another host's clock), so the entry then takes
        the id right after it.
        """
        if entry.channel_id in self._newest_entries:
            newest = self._newest_entries[entry.channel_id]
        else:
            newest = self.conn.execute(
                select(func.max(channel_history.c.id)).where(
                    channel_history.c.channel_id == entry.channel_id
                )
            ).scalar()
        if newest is not None and entry.id <= newest:
            entry.id = new_id_after(newest)
        self.conn.execute(
            _ADD_ASSIGNMENT,
            {
                "id": entry.id,
                "channel_id": entry.channel_id,
                "version_id": entry.version_id,
                "author_id": entry.author_id,
                "created_at": entry.created_at,
            },
        )
        self._newest_entries[entry.channel_id] = entry.id

    def history(self, channel_id: str) -> list[Assignment]:
        rows = self.conn.execute(
            select(channel_history)
            .where(channel_history.c.channel_id == channel_id)
            .order_by(channel_history.c.id.desc())
        )
        return [
            Assignment(
                id=row.id,
                channel_id=row.channel_id,
                version_id=row.version_id,
                author_id=row.author_id,
                created_at=row.created_at,
            )
            for row in rows
        ]

    # sboms and packages -------------------------------------------------------------------
    def add_sbom(
        self, sbom: Sbom, compressed: bytes, found: list[Package], *, now: datetime
    ) -> None:
        self.conn.execute(
            insert(sboms).values(
                id=sbom.id,
                build_id=sbom.build_id,
                name=sbom.name,
                format=sbom.format.value,
                compressed=compressed,
                created_at=now,
            )
        )
        if found:
            self.conn.execute(
                insert(packages),
                [
                    {
                        "id": f"{sbom.id}-{n}",
                        "sbom_id": sbom.id,
                        "build_id": sbom.build_id,
                        "name": item.name,
                        "version": item.version,
                        "purl": item.purl,
                        "license": item.license,
                    }
                    for n, item in enumerate(found)
                ],
            )

    def sboms_of(self, build_id: str) -> list[Sbom]:
        rows = self.conn.execute(
            select(sboms.c.id, sboms.c.build_id, sboms.c.name, sboms.c.format)
            .where(sboms.c.build_id == build_id)
            .order_by(sboms.c.id)
        )
        return [Sbom(row.id, row.build_id, row.name, SbomFormat(row.format)) for row in rows]

    def sbom_content(self, build_id: str, name: str) -> tuple[Sbom, bytes] | None:
        row = self.conn.execute(
            select(sboms).where(sboms.c.build_id == build_id, sboms.c.name == name)
        ).first()
        if row is None:
            return None
        return Sbom(row.id, row.build_id, row.name, SbomFormat(row.format)), row.compressed

    def packages_of(self, build_ids: Sequence[str]) -> list[FoundPackage]:
        if not build_ids:
            return []
        rows = self.conn.execute(
            select(
                packages,
                sboms.c.name.label("sbom_name"),
                sboms.c.format,
                builds.c.component_type,
            )
            .join(sboms, sboms.c.id == packages.c.sbom_id)
            .join(builds, builds.c.id == packages.c.build_id)
            .where(packages.c.build_id.in_(build_ids))
            .order_by(packages.c.name, packages.c.version, packages.c.id)
        )
        return [
            FoundPackage(
                Package(row.name, row.version, row.purl, row.license),
                Sbom(row.sbom_id, row.build_id, row.sbom_name, SbomFormat(row.format)),
                row.build_id,
                row.component_type,
            )
            for row in rows
        ]

    def artifact_sources(
        self, project_id: str, external_identifier: str
    ) -> list[tuple[Bucket, Version, Build]]:
        """Bucket, version and build of every artifact with this identifier in the project."""
        rows = self.conn.execute(
            select(builds.c.id, builds.c.version_id, versions.c.bucket_id)
            .join(artifacts, artifacts.c.build_id == builds.c.id)
            .join(versions, versions.c.id == builds.c.version_id)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(
                buckets.c.project_id == project_id,
                artifacts.c.external_identifier == external_identifier,
            )
            .distinct()
            .order_by(builds.c.id)
        )
        links = list(rows)
        found = self.versions_by_ids(row.version_id for row in links)
        result = []
        for row in links:
            version = found[row.version_id]
            bucket = self.bucket_by_id(row.bucket_id)
            build = next(item for item in version.builds if item.id == row.id)
            if bucket is not None:
                result.append((bucket, version, build))
        return result
