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

        def statements() -> dict[str, int]:
            found = {}
            for plane, path in listing.items():
                with counted(served.store) as seen:
                    assert api.get(path).status_code == 200
                found[plane] = len(seen)
            return found

        for n in range(2):
            _with_version(api, f"b{n}")
        few = statements()
        for n in range(2, 12):
            _with_version(api, f"b{n}")
        assert len(api.get(listing["v2023"]).json()["buckets"]) == 12
        assert statements() == few
