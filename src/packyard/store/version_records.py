"""The versions' records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update

from packyard.domain.paging import Page, PageAsk
from packyard.domain.registry import Version
from packyard.store.build_records import BuildRecords
from packyard.store.keyset import Keyset
from packyard.store.prebuilt import Prebuilt
from packyard.store.records import VERSION_COLUMNS, as_version
from packyard.store.tables import buckets, builds, registries, versions

_ADD_VERSION = Prebuilt(insert(versions))
# The bucket's version count, kept by the writes that add and remove its versions.
_COUNT_VERSIONS = update(buckets).where(buckets.c.id == bindparam("counted_id"))
_COUNT_UP = Prebuilt(_COUNT_VERSIONS.values(version_count=buckets.c.version_count + 1))
_COUNT_DOWN = Prebuilt(_COUNT_VERSIONS.values(version_count=buckets.c.version_count - 1))
_CHANGE_VERSION = Prebuilt(update(versions).where(versions.c.id == bindparam("changed_id")))
_taken = versions.alias("taken")
# A version's completion: its bucket's next sequence number, taken in the update itself.
_TAKE_NEXT_SEQUENCE = Prebuilt(
    update(versions)
    .where(versions.c.id == bindparam("changed_id"))
    .values(
        sequence=select(func.coalesce(func.max(_taken.c.sequence), 0) + 1)
        .where(_taken.c.bucket_id == bindparam("bucket"))
        .scalar_subquery()
    )
    .returning(versions.c.sequence)
)

_PAGED_VERSIONS = (
    select(*VERSION_COLUMNS)
    .join(buckets, buckets.c.id == versions.c.bucket_id)
    .where(versions.c.bucket_id == bindparam("page_within"))
)
_VERSION_PAGES = Keyset(_PAGED_VERSIONS, versions.c.id, within=versions.c.bucket_id)
_COMPLETE_VERSION_PAGES = Keyset(
    _PAGED_VERSIONS.where(versions.c.sequence.is_not(None)),
    versions.c.id,
    within=versions.c.bucket_id,
)

# A version of a named bucket of the project's activated registry, by its id or fingerprint.
_IN_NAMED_BUCKET = (
    select(*VERSION_COLUMNS)
    .join(buckets, buckets.c.id == versions.c.bucket_id)
    .join(registries, registries.c.project_id == buckets.c.project_id)
    .where(
        buckets.c.project_id == bindparam("project"),
        buckets.c.name == bindparam("bucket_name"),
        registries.c.activated.is_(True),
    )
)
_BY_ID_IN_NAMED_BUCKET = Prebuilt(_IN_NAMED_BUCKET.where(versions.c.id == bindparam("named")))
_BY_FINGERPRINT_IN_NAMED_BUCKET = Prebuilt(
    _IN_NAMED_BUCKET.where(versions.c.fingerprint == bindparam("named"))
)
_LOCK_NAMED_BUCKET = Prebuilt(
    select(buckets.c.id)
    .where(buckets.c.project_id == bindparam("project"), buckets.c.name == bindparam("bucket_name"))
    .with_for_update()
)


# A version of a bucket by its id, its fingerprint or its sequence number.
_OF_BUCKET = (
    select(*VERSION_COLUMNS)
    .join(buckets, buckets.c.id == versions.c.bucket_id)
    .where(versions.c.bucket_id == bindparam("bucket"))
    .order_by(versions.c.id)
)
_IN_BUCKET_BY = {
    "id": Prebuilt(_OF_BUCKET.where(versions.c.id == bindparam("named"))),
    "fingerprint": Prebuilt(_OF_BUCKET.where(versions.c.fingerprint == bindparam("named"))),
    "sequence": Prebuilt(_OF_BUCKET.where(versions.c.sequence == bindparam("named"))),
}


class VersionRecords(BuildRecords):
    """Versions, found with their builds (hence a gateway to the builds too)."""

    def _versions(self, *where: Any) -> list[Version]:
        rows = self.conn.execute(
            select(*VERSION_COLUMNS)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(*where)
            .order_by(versions.c.id)
        )
        return [as_version(row) for row in rows]

    def version(self, *where: Any, with_builds: bool = True) -> Version | None:
        return self._first(self._versions(*where), with_builds=with_builds)

    def _first(self, found: list[Version], *, with_builds: bool) -> Version | None:
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
        where = {"project": project_id, "bucket_name": bucket_name}
        if self._locking:
            _LOCK_NAMED_BUCKET.run(self.conn, where)
        query = _BY_ID_IN_NAMED_BUCKET if version_id else _BY_FINGERPRINT_IN_NAMED_BUCKET
        row = query.run(self.conn, {**where, "named": version_id or fingerprint}).first()
        return None if row is None else as_version(row)

    def build_statuses(self, version_id: str) -> list[str]:
        rows = self.conn.execute(select(builds.c.status).where(builds.c.version_id == version_id))
        return [row[0] for row in rows]

    def version_by_id(self, version_id: str, *, with_builds: bool = True) -> Version | None:
        return self.version(versions.c.id == version_id, with_builds=with_builds)

    def version_in_bucket(
        self,
        bucket_id: str,
        *,
        version_id: str | None = None,
        fingerprint: str | None = None,
        sequence: int | None = None,
        with_builds: bool = True,
    ) -> Version | None:
        """A version of the bucket by its id, its fingerprint or its sequence number (the
        first of them given)."""
        named: str | int
        if version_id is not None:
            by, named = "id", version_id
        elif fingerprint is not None:
            by, named = "fingerprint", fingerprint
        elif sequence is not None:
            by, named = "sequence", sequence
        else:  # as SQL compares with None: a version not yet complete
            incomplete = (versions.c.sequence.is_(None), versions.c.bucket_id == bucket_id)
            return self.version(*incomplete, with_builds=with_builds)
        rows = _IN_BUCKET_BY[by].run(self.conn, {"bucket": bucket_id, "named": named})
        return self._first([as_version(row) for row in rows], with_builds=with_builds)

    def versions_of(self, bucket_id: str, *, complete_only: bool = False) -> list[Version]:
        where = [versions.c.bucket_id == bucket_id]
        if complete_only:
            where.append(versions.c.sequence.is_not(None))
        found = self._versions(*where)
        self.fill_builds(found)
        return found

    def version_page(
        self, bucket_id: str, ask: PageAsk, *, complete_only: bool = False
    ) -> Page[Version]:
        """A page of the bucket's versions in id order, with their builds: one index range
        of (bucket, id) wherever the page starts."""
        pages = _COMPLETE_VERSION_PAGES if complete_only else _VERSION_PAGES
        page = pages.read(self.conn, {"page_within": bucket_id}, ask, as_version)
        self.fill_builds(page.items)
        return page

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
        _ADD_VERSION.run(
            self.conn,
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
        _COUNT_UP.run(self.conn, {"counted_id": version.bucket_id})

    def change_version(self, version_id: str, **values: Any) -> None:
        _CHANGE_VERSION.run(self.conn, {"changed_id": version_id, **values})

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

    def remove_version(self, version: Version) -> None:
        """Delete the version (its builds, artifacts and platforms go with it), one less in
        its bucket's count."""
        _COUNT_DOWN.run(self.conn, {"counted_id": version.bucket_id})
        self.conn.execute(delete(versions).where(versions.c.id == version.id))

    def take_next_sequence(self, version: Version, *, now: datetime) -> int:
        """Give the version its bucket's next sequence number, in one statement; a number
        taken concurrently clashes on the store's unique (bucket, sequence)."""
        sequence: int = _TAKE_NEXT_SEQUENCE.run(
            self.conn,
            {"changed_id": version.id, "bucket": version.bucket_id, "updated_at": now},
        ).scalar()
        return sequence
