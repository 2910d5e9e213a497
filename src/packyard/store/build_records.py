"""The builds' records and their artifacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, bindparam, delete, exists, func, insert, select, update

from packyard.domain.registry import Artifact, Build, Version
from packyard.store.prebuilt import Prebuilt
from packyard.store.records import PREFIXED_VERSION, Records, as_build, as_prefixed_version
from packyard.store.tables import (
    artifacts,
    buckets,
    builds,
    registries,
    version_platforms,
    versions,
)

# with the version, whose registry must be activated, and its own count of artifacts.
_BUILD_IN_VERSION = Prebuilt(
    select(
        *builds.c,
        *PREFIXED_VERSION,
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

# A build with a parent keeps the parent's bucket too, read in the same statement.
_PARENT_BUCKET = (
    select(versions.c.bucket_id)
    .where(versions.c.id == bindparam("parent_of", type_=String))
    .scalar_subquery()
)
_ADD_BUILD = Prebuilt(insert(builds).values(parent_bucket_id=_PARENT_BUCKET))
_CHANGE_BUILD = update(builds).where(builds.c.id == bindparam("changed_id"))
_CHANGE_BUILD_PARENT = Prebuilt(_CHANGE_BUILD.values(parent_bucket_id=_PARENT_BUCKET))
_CHANGE_BUILD_RUN = Prebuilt(_CHANGE_BUILD)

# A version's platforms (version_platforms) follow its builds': one statement a write.
_OF_VERSION = bindparam("of_version", type_=String)
_PLATFORM = bindparam("platform", type_=String)
_ONE_PLATFORM = (version_platforms.c.version_id == _OF_VERSION) & (
    version_platforms.c.platform == _PLATFORM
)
_ADD_PLATFORM_IF_NEW = Prebuilt(
    insert(version_platforms).from_select(
        ["version_id", "platform", "bucket_id"],
        select(_OF_VERSION, _PLATFORM, versions.c.bucket_id).where(
            versions.c.id == _OF_VERSION, ~exists().where(_ONE_PLATFORM)
        ),
    )
)
_ADD_PLATFORM = Prebuilt(insert(version_platforms))
_RENAME_PLATFORM = Prebuilt(
    update(version_platforms).where(_ONE_PLATFORM).values(platform=bindparam("renamed"))
)
_REMOVE_PLATFORM_IF_UNUSED = Prebuilt(
    delete(version_platforms).where(
        _ONE_PLATFORM,
        ~exists().where(builds.c.version_id == _OF_VERSION, builds.c.platform == _PLATFORM),
    )
)
_REMOVE_PLATFORM = Prebuilt(delete(version_platforms).where(_ONE_PLATFORM))
_ADD_ARTIFACTS = Prebuilt(insert(artifacts))
_REMOVE_ARTIFACTS = Prebuilt(delete(artifacts).where(artifacts.c.build_id == bindparam("of_build")))


# A page of versions' builds, their artifacts, and which of them have children: built once.
_BUILDS_OF = Prebuilt(
    select(builds)
    .where(builds.c.version_id.in_(bindparam("version_ids", expanding=True)))
    .order_by(builds.c.id)
)
_PARENTS_AMONG = Prebuilt(
    select(builds.c.parent_version_id)
    .where(builds.c.parent_version_id.in_(bindparam("version_ids", expanding=True)))
    .distinct()
)
_ARTIFACTS_OF = Prebuilt(
    select(artifacts)
    .where(artifacts.c.build_id.in_(bindparam("build_ids", expanding=True)))
    .order_by(artifacts.c.id)
)


class BuildRecords(Records):
    def fill_builds(self, found: list[Version]) -> None:
        if not found:
            return
        by_version = {version.id: version for version in found}
        rows = _BUILDS_OF.run(self.conn, {"version_ids": list(by_version)})
        all_builds = [as_build(row) for row in rows]
        self.fill_artifacts(all_builds)
        for build in all_builds:
            by_version[build.version_id].builds.append(build)
        parents = _PARENTS_AMONG.run(self.conn, {"version_ids": list(by_version)})
        with_children = {row[0] for row in parents}
        for version in found:
            version.has_descendants = version.id in with_children

    def fill_artifacts(self, found: list[Build]) -> None:
        if not found:
            return
        by_build = {build.id: build for build in found}
        rows = _ARTIFACTS_OF.run(self.conn, {"build_ids": list(by_build)})
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
        found = as_build(row)
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
        rows = _BUILD_IN_VERSION.run(self.conn, {"build_id": build_id, "project_id": project_id})
        if not rows:
            return None
        version = as_prefixed_version(rows[0]._mapping)
        version.builds = [as_build(row) for row in rows]
        found = next((item for item in version.builds if item.id == build_id), None)
        if found is None:
            return None
        if next(row.artifact_count for row in rows if row.id == build_id):
            self.fill_artifacts([found])
        return found, version

    def add_build(self, build: Build) -> None:
        _ADD_BUILD.run(
            self.conn,
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
                "parent_of": build.parent_version_id,
            },
        )
        self.add_artifacts(build.id, build.artifacts)
        if build.platform:
            _ADD_PLATFORM_IF_NEW.run(
                self.conn, {"of_version": build.version_id, "platform": build.platform}
            )

    def change_build(self, build_id: str, *, version: Version, **values: Any) -> None:
        """Change a build of `version` (read with its builds, this one as it was), and the
        version's platforms if its platform changes: at most one statement more."""
        if "parent_version_id" in values:
            parent = {"parent_of": values["parent_version_id"]}
            _CHANGE_BUILD_PARENT.run(self.conn, {"changed_id": build_id, **values, **parent})
        else:
            _CHANGE_BUILD_RUN.run(self.conn, {"changed_id": build_id, **values})
        if "platform" in values:
            self._follow_platform(version, build_id, str(values["platform"]))

    def _follow_platform(self, version: Version, build_id: str, new: str) -> None:
        old = next((item.platform for item in version.builds if item.id == build_id), "")
        others = {item.platform for item in version.builds if item.id != build_id}
        gone = old if old and old != new and old not in others else ""
        added = new if new and new != old and new not in others else ""
        which = {"of_version": version.id, "platform": gone}
        if gone and added:
            _RENAME_PLATFORM.run(self.conn, {**which, "renamed": added})
        elif gone:
            _REMOVE_PLATFORM.run(self.conn, which)
        elif added:
            _ADD_PLATFORM.run(
                self.conn,
                {"version_id": version.id, "platform": added, "bucket_id": version.bucket_id},
            )

    def remove_build(self, build: Build) -> None:
        """Delete the build, and its platform from its version's unless another build of
        the version has it."""
        self.conn.execute(delete(builds).where(builds.c.id == build.id))
        if build.platform:
            _REMOVE_PLATFORM_IF_UNUSED.run(
                self.conn,
                {"of_version": build.version_id, "platform": build.platform},
            )

    def replace_artifacts(
        self, build_id: str, found: list[Artifact], *, previous: list[Artifact] | None = None
    ) -> None:
        """Replace a build's artifacts; `previous`, when the caller read them in this
        transaction, spares the delete of none."""
        if previous is None or previous:
            _REMOVE_ARTIFACTS.run(self.conn, {"of_build": build_id})
        self.add_artifacts(build_id, found)

    def add_artifacts(self, build_id: str, found: list[Artifact]) -> None:
        if found:
            _ADD_ARTIFACTS.run_many(
                self.conn,
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
