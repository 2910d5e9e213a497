"""The SBOMs' records, their packages, and where an artifact came from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select

from packyard.domain.registry import Bucket, Build, Version
from packyard.domain.sbom import FoundPackage, Package, Sbom, SbomFormat
from packyard.store.bucket_records import BucketRecords
from packyard.store.tables import artifacts, buckets, builds, packages, sboms, versions


class SbomRecords(BucketRecords):
    """SBOMs and packages; an artifact's sources are found with their buckets and versions."""

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
        # The builds with such an artifact first (few), then those of the project: asked in
        # one join, SQLite walks the project's every build instead.
        named = sorted(
            set(
                self.conn.execute(
                    select(artifacts.c.build_id).where(
                        artifacts.c.external_identifier == external_identifier
                    )
                ).scalars()
            )
        )
        links: list[Row[Any, Any, Any]] = []
        for at in range(0, len(named), 500):  # stay under bind-parameter limits
            links += self.conn.execute(
                select(builds.c.id, builds.c.version_id, versions.c.bucket_id)
                .join(versions, versions.c.id == builds.c.version_id)
                .join(buckets, buckets.c.id == versions.c.bucket_id)
                .where(buckets.c.project_id == project_id, builds.c.id.in_(named[at : at + 500]))
                .order_by(builds.c.id)
            ).all()
        found = self.versions_by_ids(row.version_id for row in links)
        result = []
        for row in links:
            version = found[row.version_id]
            bucket = self.bucket_by_id(row.bucket_id)
            build = next(item for item in version.builds if item.id == row.id)
            if bucket is not None:
                result.append((bucket, version, build))
        return result
