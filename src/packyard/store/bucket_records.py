"""The buckets' records, and what a page of buckets shows of its versions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, insert, select, update

from packyard.domain.paging import Page, PageAsk
from packyard.domain.registry import Bucket, Version
from packyard.store.keyset import Keyset
from packyard.store.prebuilt import Prebuilt
from packyard.store.records import VERSION_COLUMNS, as_bucket, as_version
from packyard.store.tables import buckets, version_platforms, versions
from packyard.store.version_records import VersionRecords

# Built once, bound per call (as the statements at the end of this module).
_BUCKET = select(buckets).where(
    buckets.c.project_id == bindparam("project"), buckets.c.name == bindparam("name")
)
_BUCKET_LOCKED = Prebuilt(_BUCKET.with_for_update())
_BUCKET_READ = Prebuilt(_BUCKET)
_ADD_BUCKET = Prebuilt(insert(buckets))
_BUCKET_PAGES = Keyset(
    select(buckets).where(buckets.c.project_id == bindparam("page_within")),
    buckets.c.id,
    within=buckets.c.project_id,
)


class BucketRecords(VersionRecords):
    """Buckets, and their newest versions with builds (hence a gateway to the versions)."""

    def bucket(self, project_id: str, name: str) -> Bucket | None:
        query = _BUCKET_LOCKED if self._locking else _BUCKET_READ
        row = query.run(self.conn, {"project": project_id, "name": name}).first()
        return None if row is None else as_bucket(row)

    def lock_bucket(self, bucket_id: str) -> None:
        if self._locking:
            self.conn.execute(
                select(buckets.c.id).where(buckets.c.id == bucket_id).with_for_update()
            )

    def bucket_by_id(self, bucket_id: str) -> Bucket | None:
        row = self.conn.execute(select(buckets).where(buckets.c.id == bucket_id)).first()
        return None if row is None else as_bucket(row)

    def buckets(
        self, project_id: str, *, offset: int = 0, limit: int | None = None
    ) -> list[Bucket]:
        """The project's buckets in the order they were made (by id), or `limit` of them
        from `offset`."""
        query = select(buckets).where(buckets.c.project_id == project_id).order_by(buckets.c.id)
        if offset or limit is not None:
            query = query.offset(offset).limit(limit)
        return [as_bucket(row) for row in self.conn.execute(query)]

    def bucket_page(self, project_id: str, ask: PageAsk) -> Page[Bucket]:
        """A page of the project's buckets in id order: one index range of (project, id)
        wherever the page starts."""
        return _BUCKET_PAGES.read(self.conn, {"page_within": project_id}, ask, as_bucket)

    def add_bucket(self, bucket: Bucket, *, now: datetime) -> None:
        _ADD_BUCKET.run(
            self.conn,
            {
                "id": bucket.id,
                "organization_id": bucket.organization_id,
                "project_id": bucket.project_id,
                "name": bucket.name,
                "description": bucket.description,
                "labels": bucket.labels,
                "created_at": now,
                "updated_at": now,
            },
        )

    def change_bucket(self, bucket_id: str, **values: Any) -> None:
        self.conn.execute(update(buckets).where(buckets.c.id == bucket_id).values(**values))

    def remove_bucket(self, bucket_id: str) -> None:
        self.conn.execute(delete(buckets).where(buckets.c.id == bucket_id))

    def latest_versions(self, bucket_ids: Sequence[str]) -> dict[str, Version]:
        """Each bucket's complete version of the highest sequence number, with its builds: one
        backward probe of the (bucket, sequence) index per bucket, however many versions it
        holds."""
        rows = _LATEST_VERSIONS.run(self.conn, {"bucket_ids": list(bucket_ids)})
        found = {row.bucket_id: as_version(row) for row in rows}
        self.fill_builds(list(found.values()))
        return found

    def platforms(self, bucket_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each bucket's platforms, in order: for each, one probe of the (bucket, platform)
        index per platform it has (a loose index scan, in one recursive query), however many
        versions hold them."""
        platforms: dict[str, list[str]] = {}
        for bucket_id, platform in _PLATFORMS.run(self.conn, {"bucket_ids": list(bucket_ids)}):
            platforms.setdefault(bucket_id, []).append(platform)
        return platforms


def _next_platform(bucket_id: Any, after: Any = None) -> Any:
    """The bucket's first platform (after `after`), off the (bucket, platform) index."""
    query = select(version_platforms.c.platform).where(version_platforms.c.bucket_id == bucket_id)
    if after is not None:
        query = query.where(version_platforms.c.platform > after)
    return query.order_by(version_platforms.c.platform).limit(1).scalar_subquery()


_BUCKET_IDS: BindParameter[list[str]] = bindparam("bucket_ids", expanding=True)
"""The buckets a summary is read for. The statements below are made once, so that a read
only binds them (SQLAlchemy keeps their compiled form by a key it computes once)."""

_newest = versions.alias("newest")
_LATEST_VERSIONS = Prebuilt(
    select(*VERSION_COLUMNS)
    .select_from(
        buckets.join(
            versions,
            versions.c.id
            == select(_newest.c.id)
            .where(_newest.c.bucket_id == buckets.c.id, _newest.c.sequence.is_not(None))
            .order_by(_newest.c.sequence.desc())
            .limit(1)
            .scalar_subquery(),
        )
    )
    .where(buckets.c.id.in_(_BUCKET_IDS))
)


def _platforms() -> Any:
    first = select(
        buckets.c.id.label("bucket_id"), _next_platform(buckets.c.id).label("platform")
    ).where(buckets.c.id.in_(_BUCKET_IDS))
    found = first.cte("found", recursive=True)
    found = found.union_all(
        select(found.c.bucket_id, _next_platform(found.c.bucket_id, found.c.platform)).where(
            found.c.platform.is_not(None)
        )
    )
    return (
        select(found.c.bucket_id, found.c.platform)
        .where(found.c.platform.is_not(None))
        .order_by(found.c.platform)
    )


_PLATFORMS = Prebuilt(_platforms())
