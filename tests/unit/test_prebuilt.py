"""A prebuilt statement gives what SQLAlchemy Core gives for the same statement: the same
rows with the same attribute names and converted values, the same rowcount, the same
exception class, and the engine's statement listeners see it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, create_engine, event, insert, select, update
from sqlalchemy.exc import IntegrityError

from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import buckets, metadata, organizations, projects

MOMENT = datetime(2026, 12, 1, 19, 30, 5, 123456, tzinfo=UTC)
_BUCKET = select(buckets, buckets.c.name.label("bucket_name")).where(
    buckets.c.project_id == bindparam("project")
)
_RENAME = update(buckets).where(buckets.c.id == bindparam("changed_id"))


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    found = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    metadata.create_all(found)
    with found.begin() as conn:
        conn.execute(insert(organizations).values(id="o", name="o", created_at=MOMENT))
        conn.execute(
            insert(projects).values(id="p", organization_id="o", name="p", created_at=MOMENT)
        )
        for n in range(2):
            conn.execute(
                insert(buckets).values(
                    id=f"b{n}",
                    organization_id="o",
                    project_id="p",
                    name=f"app-{n}",
                    labels={"team": "x", "n": n},
                    created_at=MOMENT,
                    updated_at=MOMENT,
                )
            )
    return found


def test_rows_match_core_s_rows(engine: Any) -> None:
    with engine.begin() as conn:
        core = conn.execute(_BUCKET, {"project": "p"}).all()
        ours = Prebuilt(_BUCKET).run(conn, {"project": "p"})
    assert [tuple(row) for row in ours] == [tuple(row) for row in core]
    assert [row._mapping for row in ours] == [dict(row._mapping) for row in core]
    first = ours.first()
    assert first.created_at == MOMENT and first.created_at.tzinfo is not None
    assert first.labels == {"team": "x", "n": 0} and first.bucket_name == "app-0"
    assert ours.scalar() == "b0"


def test_an_update_counts_its_rows_and_binds_its_values_by_type(engine: Any) -> None:
    later = datetime(2027, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        changed = Prebuilt(_RENAME).run(
            conn, {"changed_id": "b1", "labels": {"a": "b"}, "updated_at": later}
        )
        none = Prebuilt(_RENAME).run(conn, {"changed_id": "nope", "description": "d"})
        row = conn.execute(select(buckets).where(buckets.c.id == "b1")).one()
    assert (changed.rowcount, none.rowcount) == (1, 0)
    assert row.labels == {"a": "b"} and row.updated_at == later


def test_a_driver_error_is_sqlalchemy_s_and_listeners_see_each_statement(engine: Any) -> None:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _k, sql, *_: seen.append(sql))
    with engine.connect() as conn, conn.begin():
        Prebuilt(_BUCKET).run(conn, {"project": "p"})
        with pytest.raises(IntegrityError):
            Prebuilt(_RENAME).run(conn, {"changed_id": "b1", "name": "app-0"})
    assert len(seen) == 2 and seen[0].startswith("SELECT") and seen[1].startswith("UPDATE")
