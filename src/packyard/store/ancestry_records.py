"""The links between versions that ancestry follows: builds that recorded a parent."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select

from packyard.domain.registry import Build
from packyard.store.prebuilt import Prebuilt
from packyard.store.records import Records, as_build
from packyard.store.tables import builds, versions


class AncestryRecords(Records):
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
        return [as_build(row) for row in rows]

    def child_links(self, parent_ids: Sequence[str]) -> list[Build]:
        """Builds, in any bucket, that recorded one of these versions as their parent."""
        rows = self.conn.execute(select(builds).where(builds.c.parent_version_id.in_(parent_ids)))
        return [as_build(row) for row in rows]

    def child_links_of_buckets(self, bucket_ids: Sequence[str]) -> list[tuple[str, Build]]:
        """Builds, in any bucket, that recorded a version of one of these buckets as their
        parent, each with that parent's bucket: the children of a whole page in one query."""
        if not bucket_ids:
            return []
        rows = _CHILD_LINKS_OF_BUCKETS.run(self.conn, {"bucket_ids": list(bucket_ids)})
        return [(row.parent_of, as_build(row)) for row in rows]


# Off the builds' parent-bucket index (the parent, joined, must still be there), so a
# bucket's long history costs nothing here.
_CHILD_LINKS_OF_BUCKETS = Prebuilt(
    select(versions.c.bucket_id.label("parent_of"), *builds.c)
    .join(versions, versions.c.id == builds.c.parent_version_id)
    .where(
        builds.c.parent_bucket_id.in_(bindparam("bucket_ids", expanding=True)),
        versions.c.bucket_id == builds.c.parent_bucket_id,
    )
)
