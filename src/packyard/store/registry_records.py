"""The registries' records, and the artifacts a project's registry knows of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from packyard.domain.registry import Registry, Version
from packyard.store.prebuilt import Prebuilt
from packyard.store.records import VERSION_COLUMNS, Records, as_registry, as_version
from packyard.store.tables import artifacts, buckets, builds, registries, versions

_REGISTRY = Prebuilt(select(registries).where(registries.c.project_id == bindparam("project")))
_BUMP_CONTENT = Prebuilt(
    update(registries)
    .where(registries.c.project_id == bindparam("project"))
    .values(content_version=registries.c.content_version + 1)
)


class RegistryRecords(Records):
    def registry(self, project_id: str) -> Registry | None:
        if project_id not in self._registries:
            row = _REGISTRY.run(self.conn, {"project": project_id}).first()
            self._registries[project_id] = None if row is None else as_registry(row)
        return self._registries[project_id]

    def registry_by_run_task(self, api_id: str) -> Registry | None:
        row = self.conn.execute(
            select(registries).where(registries.c.run_task_api_id == api_id)
        ).first()
        return None if row is None else as_registry(row)

    def revoked_artifacts(self, project_id: str, now: datetime) -> list[tuple[str, Version]]:
        """(external identifier, version) of every artifact whose version is revoked now."""
        rows = self.conn.execute(
            select(artifacts.c.external_identifier, *VERSION_COLUMNS)
            .join(builds, builds.c.id == artifacts.c.build_id)
            .join(versions, versions.c.id == builds.c.version_id)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(
                buckets.c.project_id == project_id,
                versions.c.revoke_at.is_not(None),
                versions.c.revoke_at <= now,
            )
        )
        return [(row.external_identifier, as_version(row)) for row in rows]

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

    def bump_content(self, project_id: str, *, at_commit: bool = False) -> None:
        """The registry's next content stamp, now or (`at_commit`) with the commit."""
        if at_commit:
            _BUMP_CONTENT.at_commit(self.conn, {"project": project_id})
        else:
            _BUMP_CONTENT.run(self.conn, {"project": project_id})

    def remove_registry(self, project_id: str) -> None:
        self._registries.clear()
        self.conn.execute(delete(registries).where(registries.c.project_id == project_id))
