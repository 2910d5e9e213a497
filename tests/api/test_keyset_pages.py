"""Pages in the store's order are keyset pages: a page token names the item the page follows
(or precedes), so a walk keeps its place when items before it go, and a deep page costs what
the first does. Tokens handed out before (offsets) still page."""

from __future__ import annotations

import base64

from tests.api.conftest import error


def _offset_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _versions(admin, name: str, count: int) -> list[str]:
    admin.put(admin.v2 + "/buckets", json={"name": name})
    for n in range(count):
        admin.post(admin.v2 + f"/buckets/{name}/versions", json={"fingerprint": f"fp-{n}"})
    return [f"fp-{n}" for n in range(count)]


def test_a_version_walk_keeps_its_place_when_earlier_versions_go(admin, name):
    fingerprints = _versions(admin, name, 6)
    path = admin.v2 + f"/buckets/{name}/versions"
    first = admin.get(path, params={"pagination.page_size": 2}).json()
    assert [v["fingerprint"] for v in first["versions"]] == fingerprints[:2]
    assert "previous_page_token" not in first["pagination"]
    admin.delete(admin.v2 + f"/buckets/{name}/versions/fp-0").raise_for_status()

    token = first["pagination"]["next_page_token"]
    second = admin.get(
        path, params={"pagination.page_size": 2, "pagination.next_page_token": token}
    ).json()
    assert [v["fingerprint"] for v in second["versions"]] == fingerprints[2:4]
    back = admin.get(
        path,
        params={
            "pagination.page_size": 2,
            "pagination.previous_page_token": second["pagination"]["previous_page_token"],
        },
    ).json()
    assert [v["fingerprint"] for v in back["versions"]] == ["fp-1"]
    assert "previous_page_token" not in back["pagination"]
    assert back["pagination"]["next_page_token"]

    walked, token = [], None
    while True:
        params = {"pagination.page_size": 2}
        if token:
            params["pagination.next_page_token"] = token
        page = admin.get(path, params=params).json()
        walked += [v["fingerprint"] for v in page["versions"]]
        token = page["pagination"].get("next_page_token")
        if not token:
            break
    assert walked == fingerprints[1:]


def test_an_iteration_walk_keeps_its_place_when_earlier_iterations_go(admin, name):
    fingerprints = _versions(admin, name, 5)
    path = admin.v1 + f"/images/{name}/iterations"
    query = {"pagination.page_size": 2, "include_incomplete": "true"}
    first = admin.get(path, params=query).json()
    assert [i["fingerprint"] for i in first["iterations"]] == fingerprints[:2]
    admin.delete(admin.v2 + f"/buckets/{name}/versions/fp-1").raise_for_status()
    token = first["pagination"]["next_page_token"]
    second = admin.get(path, params={**query, "pagination.next_page_token": token}).json()
    assert [i["fingerprint"] for i in second["iterations"]] == fingerprints[2:4]
    # include_incomplete=false leaves out the versions without a sequence: all of these.
    only_complete = {"pagination.page_size": 2, "include_incomplete": "false"}
    assert admin.get(path, params=only_complete).json()["iterations"] == []


def test_a_bucket_walk_keeps_its_place_when_earlier_buckets_go(admin, name):
    path = admin.v2 + "/buckets"
    for n in range(4):
        admin.put(path, json={"name": f"{name}-{n}"})
    everything = [
        b["name"] for b in admin.get(path, params={"pagination.page_size": 1000}).json()["buckets"]
    ]
    mine = everything.index(f"{name}-0")
    first = admin.get(
        path,
        params={"pagination.page_size": 1, "pagination.next_page_token": _offset_token(mine)},
    ).json()
    assert [b["name"] for b in first["buckets"]] == [f"{name}-0"]
    admin.delete(path + f"/{name}-0").raise_for_status()
    token = first["pagination"]["next_page_token"]
    second = admin.get(
        path, params={"pagination.page_size": 2, "pagination.next_page_token": token}
    ).json()
    assert [b["name"] for b in second["buckets"]] == [f"{name}-1", f"{name}-2"]


def test_offset_tokens_handed_out_before_still_page(admin, name):
    fingerprints = _versions(admin, name, 5)
    path = admin.v2 + f"/buckets/{name}/versions"
    page = admin.get(
        path, params={"pagination.page_size": 2, "pagination.next_page_token": _offset_token(2)}
    ).json()
    assert [v["fingerprint"] for v in page["versions"]] == fingerprints[2:4]
    following = admin.get(
        path,
        params={
            "pagination.page_size": 2,
            "pagination.next_page_token": page["pagination"]["next_page_token"],
        },
    ).json()
    assert [v["fingerprint"] for v in following["versions"]] == fingerprints[4:]
    assert "next_page_token" not in following["pagination"]
    error(admin.get(path, params={"pagination.next_page_token": "!!"}), 400, 3)
    too_long = base64.urlsafe_b64encode(b"k:" + b"x" * 100).decode()
    error(admin.get(path, params={"pagination.next_page_token": too_long}), 400, 3)
