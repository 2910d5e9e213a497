"""A page of ListBuckets is read with the same SQL statements however many buckets it lists:
nothing is looked up bucket by bucket. Counted in the test's own process; a count of
statements is deterministic, so this is not a timing test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from packyard.store.engine import Store
from tests.support.in_process import InProcessApi, in_process


@contextmanager
def counted(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


def _with_version(api: InProcessApi, bucket: str) -> None:
    assert api.put(api.v2 + "/buckets", json={"name": bucket}).status_code == 200
    version = api.post(api.v2 + f"/buckets/{bucket}/versions", json={"fingerprint": "f"})
    assert version.status_code == 200, version.text
    base = api.v2 + f"/buckets/{bucket}/versions/f/builds"
    build = api.post(base, json={"component_type": "null.a", "platform": "aws"}).json()["build"]
    done = api.patch(
        base + f"/{build['id']}",
        json={"status": "BUILD_DONE", "artifacts": [{"external_identifier": "x", "region": "r"}]},
    )
    assert done.status_code == 200, done.text


def test_list_buckets_reads_a_page_in_the_same_statements_for_2_and_12_buckets(tmp_path):
    v1 = "/packer/2021-04-30/organizations/{o}/projects/{p}/images"
    with in_process(tmp_path) as served, served.api() as api:
        listing = {
            "v2023": api.v2 + "/buckets",
            "2021": v1.format(o=served.first.organization_id, p=served.first.project_id),
        }

        asked = iter(range(50, 100))

        def statements() -> dict[str, int]:
            """Of a page not asked before (so not in the read cache), on each plane."""
            found = {}
            for plane, path in listing.items():
                with counted(served.store) as seen:
                    params = {"pagination.page_size": next(asked)}
                    assert api.get(path, params=params).status_code == 200
                found[plane] = len(seen)
            return found

        for n in range(2):
            _with_version(api, f"b{n}")
        few = statements()
        for n in range(2, 12):
            _with_version(api, f"b{n}")
        assert len(api.get(listing["v2023"]).json()["buckets"]) == 12
        assert statements() == few


def test_a_page_asked_again_unchanged_is_answered_from_the_read_cache(tmp_path):
    with in_process(tmp_path) as served, served.api() as api:
        for n in range(3):
            _with_version(api, f"b{n}")
        path = api.v2 + "/buckets"
        first = api.get(path, params={"pagination.page_size": 2})
        with counted(served.store) as seen:
            again = api.get(path, params={"pagination.page_size": 2})
        # the caller and content stamp are read on a raw connection, and nothing else
        assert again.json() == first.json() and seen == []
        _with_version(api, "b3")
        with counted(served.store) as seen:
            ordered = api.get(
                path,
                params=[("sorting.order_by", "created_at desc"), ("sorting.order_by", "name")],
            )
        assert len(seen) > 1  # a write changed the content: read again
        assert [b["name"] for b in ordered.json()["buckets"]] == ["b3", "b2", "b1", "b0"]
        by_name = api.get(
            path,
            params=[("sorting.order_by", "created_at desc"), ("sorting.order_by", "name desc")],
        )
        assert [b["name"] for b in by_name.json()["buckets"]] == ["b3", "b2", "b1", "b0"]
        # the same last value, a different first one: two pages, however the cache keeps them
        asc = api.get(
            path, params=[("sorting.order_by", "name"), ("sorting.order_by", "name desc")]
        )
        assert [b["name"] for b in asc.json()["buckets"]] == ["b0", "b1", "b2", "b3"]
        desc = [("sorting.order_by", "name desc"), ("sorting.order_by", "name desc")]
        names = api.get(path, params=desc)
        assert [b["name"] for b in names.json()["buckets"]] == ["b3", "b2", "b1", "b0"]
