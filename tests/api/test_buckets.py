"""Buckets over HTTP: create, read, list with paging and sorting, update, delete."""

from __future__ import annotations

from tests.api.conftest import error, push


def test_create_get_update_delete(admin, name):
    created = admin.put(
        admin.v1 + "/images",
        json={"bucket_slug": name, "description": "base images", "labels": {"team": "infra"}},
    )
    assert created.status_code == 200, created.text
    bucket = created.json()["bucket"]
    assert bucket["slug"] == name
    assert bucket["iteration_count"] == "0"
    assert bucket["labels"] == {"team": "infra"}
    assert len(bucket["id"]) == 26

    again = admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    error(again, 409, 6)

    updated = admin.patch(
        admin.v1 + f"/images/{name}", json={"description": "new", "labels": {"a": "b"}}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["bucket"]["description"] == "new"
    assert updated.json()["bucket"]["labels"] == {"a": "b"}

    assert admin.delete(admin.v1 + f"/images/{name}").json() == {}
    error(admin.get(admin.v1 + f"/images/{name}"), 404, 5)


def test_bucket_summary_after_push(admin, name):
    push(admin, name, "fp-1")
    push(admin, name, "fp-2", finish=False)
    bucket = admin.get(admin.v1 + f"/images/{name}").json()["bucket"]
    assert bucket["iteration_count"] == "2"
    assert bucket["latest_iteration"]["fingerprint"] == "fp-1"
    assert bucket["latest_iteration"]["incremental_version"] == 1
    assert bucket["latest_version"] == 1
    assert bucket["platforms"] == ["file", "null"]


def test_delete_removes_everything(admin, name):
    iteration = push(admin, name, "fp-1")
    build_id = iteration["builds"][0]["id"]
    admin.post(
        admin.v1 + f"/images/{name}/channels", json={"slug": "prod", "incremental_version": 1}
    )
    assert admin.delete(admin.v1 + f"/images/{name}").status_code == 200
    error(admin.get(admin.v1 + f"/builds/{build_id}"), 404, 5)
    recreated = admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    assert recreated.json()["bucket"]["iteration_count"] == "0"
    channels = admin.get(admin.v1 + f"/images/{name}/channels").json()["channels"]
    assert [channel["slug"] for channel in channels] == ["latest"]


def test_list_pages_and_sorts(admin, name):
    for suffix in ("c", "a", "b"):
        assert admin.put(admin.v1 + "/images", json={"bucket_slug": f"{name}-{suffix}"}).is_success
    listed = admin.get(admin.v1 + "/images", params={"sorting.order_by": "slug desc"}).json()
    ours = [b["slug"] for b in listed["buckets"] if b["slug"].startswith(name)]
    assert ours == [f"{name}-c", f"{name}-b", f"{name}-a"]

    seen: list[str] = []
    token = None
    while True:
        params = {"pagination.page_size": 2, "sorting.order_by": "slug"}
        if token:
            params["pagination.next_page_token"] = token
        page = admin.get(admin.v1 + "/images", params=params).json()
        assert len(page["buckets"]) <= 2
        seen.extend(b["slug"] for b in page["buckets"])
        token = page["pagination"].get("next_page_token")
        if not token:
            break
    assert seen == sorted(seen)
    assert {f"{name}-a", f"{name}-b", f"{name}-c"} <= set(seen)
    error(admin.get(admin.v1 + "/images", params={"sorting.order_by": "colour"}), 400, 3)
    error(admin.get(admin.v1 + "/images", params={"pagination.next_page_token": "!!"}), 400, 3)


def test_bucket_needs_a_name(admin):
    error(admin.put(admin.v1 + "/images", json={"bucket_slug": ""}), 400, 3)
    error(admin.put(admin.v1 + "/images", json={}), 400, 3)
