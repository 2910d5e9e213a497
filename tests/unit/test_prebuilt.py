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


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        found = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        found = create_engine(request.getfixturevalue("postgres").create_database())
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


_REQUIRED = {"organization_id": "o", "project_id": "p", "created_at": MOMENT, "updated_at": MOMENT}


def _bucket(conn: Any, bucket_id: str) -> dict[str, Any]:
    row = conn.execute(select(buckets).where(buckets.c.id == bucket_id)).one()
    return {key: value for key, value in row._mapping.items() if key not in ("id", "name")}


def test_an_insert_fills_the_column_defaults_core_fills(engine: Any) -> None:
    add = Prebuilt(insert(buckets))
    with engine.begin() as conn:
        conn.execute(insert(buckets), {"id": "core", "name": "core", **_REQUIRED})
        done = add.run(conn, {"id": "ours", "name": "ours", **_REQUIRED})
        add.run(conn, {"id": "given", "name": "given", "description": "d", **_REQUIRED})
        core, ours, given = (_bucket(conn, name) for name in ("core", "ours", "given"))
    assert done.rowcount == 1
    assert ours == core and ours["labels"] == {} and ours["description"] == ""
    assert given["description"] == "d"


def test_many_rows_go_in_one_driver_call_each_with_its_own_defaults(engine: Any) -> None:
    calls: list[bool] = []
    event.listen(engine, "before_cursor_execute", lambda *args: calls.append(args[-1]))
    rows = [{"id": f"m{n}", "name": f"many-{n}", **_REQUIRED} for n in range(3)]
    with engine.begin() as conn:
        Prebuilt(insert(buckets)).run_many(conn, rows)
        Prebuilt(insert(buckets)).run_many(conn, [])
        calls_made = list(calls)
        found = conn.execute(
            select(buckets.c.id, buckets.c.labels).where(buckets.c.id.like("m%"))
        ).all()
    assert calls_made == [True]
    assert sorted(row.id for row in found) == ["m0", "m1", "m2"]
    assert all(row.labels == {} for row in found)


def test_returning_and_insert_from_select_work_as_core_s(engine: Any) -> None:
    bump = Prebuilt(
        update(buckets)
        .where(buckets.c.id == bindparam("changed_id"))
        .values(version_count=buckets.c.version_count + 1)
        .returning(buckets.c.version_count.label("counted"))
    )
    copy = Prebuilt(
        insert(buckets).from_select(
            ["id", "organization_id", "project_id", "name", "created_at", "updated_at"],
            select(
                bindparam("copy_id"),
                buckets.c.organization_id,
                buckets.c.project_id,
                bindparam("copy_name"),
                buckets.c.created_at,
                buckets.c.updated_at,
            ).where(buckets.c.id == bindparam("source")),
        )
    )
    with engine.begin() as conn:
        first = bump.run(conn, {"changed_id": "b0"})
        second = bump.run(conn, {"changed_id": "b0"})
        copy.run(conn, {"copy_id": "c", "copy_name": "copied", "source": "b1"})
        copied = conn.execute(select(buckets).where(buckets.c.id == "c")).one()
    assert (first.scalar(), second.first().counted, second.rowcount) == (1, 2, 1)
    assert copied.name == "copied" and copied.created_at == MOMENT


_OF_BUCKETS = (
    select(buckets.c.id, buckets.c.labels)
    .where(
        buckets.c.id.in_(bindparam("ids", expanding=True)),
        buckets.c.project_id == bindparam("project"),
    )
    .order_by(buckets.c.id)
)


def test_an_expanding_in_list_gives_core_s_rows_at_every_length(engine: Any) -> None:
    ours = Prebuilt(_OF_BUCKETS)
    asks = [["b0", "b1"], ["b1"], [], ["b0", "b1", "nope"], ["b1", "b0"], []]
    with engine.begin() as conn:
        for ids in asks:
            core = conn.execute(_OF_BUCKETS, {"ids": ids, "project": "p"}).all()
            found = ours.run(conn, {"ids": ids, "project": "p"})
            assert [tuple(row) for row in found] == [tuple(row) for row in core], ids
        assert ours.run(conn, {"ids": ["b0"], "project": "other"}) == []
    assert len(ours._expansions) == 4  # one spelling per length: 2, 1, 0, 3
