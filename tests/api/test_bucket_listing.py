"""ListBuckets on both planes: a page of buckets with versions, ancestry and no versions
lists each bucket with the same derived fields (version count, latest version, platforms,
parents and children status) as its GetBucket, read for the page at once."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import push


def _family(admin, name: str) -> dict[str, str]:
    names = {
        key: f"{name}-{key}" for key in ("base", "fresh", "stale", "unfinished", "empty", "other")
    }
    first = push(admin, names["base"], "base-1", components=("amazon-ebs.a", "docker.b"))
    channel = admin.post(
        admin.v1 + f"/images/{names['base']}/channels",
        json={"slug": "stable", "iteration_id": first["id"]},
    ).json()["channel"]
    push(admin, names["stale"], "stale-1", parent=(first["id"], channel["id"]))
    push(admin, names["other"], "other-1", components=("googlecompute.c",))
    second = push(admin, names["base"], "base-2", components=("amazon-ebs.a",))
    admin.patch(
        admin.v1 + f"/images/{names['base']}/channels/stable", json={"iteration_id": second["id"]}
    )
    push(admin, names["fresh"], "fresh-1", parent=(second["id"], channel["id"]))
    push(admin, names["unfinished"], "u-1", finish=False)
    admin.put(admin.v1 + "/images", json={"bucket_slug": names["empty"]})
    return names


def _listed(admin, path: str, key: str, names: dict[str, str]) -> dict[str, dict[str, Any]]:
    page = admin.get(path, params={"pagination.page_size": 1000}).json()["buckets"]
    mine = set(names.values())
    return {item[key]: item for item in page if item[key] in mine}


def test_listed_buckets_carry_what_get_bucket_carries(admin, name):
    names = _family(admin, name)
    v1 = _listed(admin, admin.v1 + "/images", "slug", names)
    v2 = _listed(admin, admin.v2 + "/buckets", "name", names)
    assert set(v1) == set(v2) == set(names.values())
    for slug in names.values():
        assert v1[slug] == admin.get(admin.v1 + f"/images/{slug}").json()["bucket"]
        assert v2[slug] == admin.get(admin.v2 + f"/buckets/{slug}").json()["bucket"]

    def v1_fields(key: str) -> tuple[object, ...]:
        item = v1[names[key]]
        latest = item.get("latest_iteration")
        return (
            item.get("iteration_count"),
            item.get("latest_version", 0),
            latest and latest["fingerprint"],
            item.get("platforms", []),
            item.get("parents", {}).get("status"),
            item.get("children", {}).get("status"),
        )

    assert v1_fields("base") == ("2", 2, "base-2", ["amazon-ebs", "docker"], None, "OUT_OF_DATE")
    assert v1_fields("stale") == ("1", 1, "stale-1", ["file", "null"], "OUT_OF_DATE", None)
    assert v1_fields("fresh") == ("1", 1, "fresh-1", ["file", "null"], "UP_TO_DATE", None)
    assert v1_fields("other") == ("1", 1, "other-1", ["googlecompute"], None, None)
    assert v1_fields("unfinished")[:4] == ("1", 0, None, [])
    assert v1_fields("empty")[:4] == ("0", 0, None, [])

    def v2_fields(key: str) -> tuple[object, ...]:
        item = v2[names[key]]
        latest = item.get("latest_version")
        return (
            item.get("version_count"),
            latest and latest["fingerprint"],
            item.get("platforms", []),
            item.get("parents", {}).get("status"),
            item.get("children", {}).get("status"),
        )

    assert v2_fields("base") == ("2", "base-2", ["amazon-ebs", "docker"], None, "OUT_OF_DATE")
    assert v2_fields("stale") == ("1", "stale-1", ["file", "null"], "OUT_OF_DATE", None)
    assert v2_fields("fresh") == ("1", "fresh-1", ["file", "null"], "UP_TO_DATE", None)
    assert v2_fields("empty")[:3] == ("0", None, [])


def test_pages_in_the_stores_order_walk_the_whole_list_both_ways(admin, name):
    for n in range(5):
        admin.put(admin.v2 + "/buckets", json={"name": f"{name}-{n}"})
    path = admin.v2 + "/buckets"
    everything = [item["name"] for item in admin.get(path).json()["buckets"]]
    assert [n for n in everything if n.startswith(f"{name}-")] == [f"{name}-{n}" for n in range(5)]
    walked, tokens, token = [], [], None
    while True:
        params = {"pagination.page_size": 2}
        if token:
            params["pagination.next_page_token"] = token
        page = admin.get(path, params=params).json()
        walked += [item["name"] for item in page["buckets"]]
        tokens.append(page["pagination"].get("previous_page_token"))
        token = page["pagination"].get("next_page_token")
        if not token:
            break
    assert walked == everything and tokens[0] is None and len(page["buckets"]) <= 2
    back = admin.get(
        path, params={"pagination.page_size": 2, "pagination.previous_page_token": tokens[-1]}
    ).json()
    assert [item["name"] for item in back["buckets"]] == walked[-len(page["buckets"]) - 2 :][:2]
    v1 = admin.get(admin.v1 + "/images", params={"pagination.page_size": 3}).json()
    assert [item["slug"] for item in v1["buckets"]] == everything[:3]
    assert v1["pagination"]["next_page_token"]
