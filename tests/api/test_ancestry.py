"""Ancestry over HTTP: bucket parents and children, and the early revision's two reads."""

from __future__ import annotations

from tests.api.conftest import error, push


def _family(admin, name):
    base, app = f"{name}-base", f"{name}-app"
    parent = push(admin, base, "base-1")
    channel = admin.post(
        admin.v1 + f"/images/{base}/channels", json={"slug": "stable", "iteration_id": parent["id"]}
    ).json()["channel"]
    child = push(admin, app, "app-1", parent=(parent["id"], channel["id"]))
    return base, app, parent, child


def test_parents_and_children(admin, name):
    base, app, parent, child = _family(admin, name)
    parents = admin.get(admin.v1 + f"/images/{app}/ancestry", params={"type": "parents"}).json()
    assert parents["total_count"] == 1
    relation = parents["relations"][0]
    assert relation["status"] == "UP_TO_DATE"
    assert relation["parent"]["bucket_slug"] == base
    assert relation["parent"]["iteration_id"] == parent["id"]
    assert relation["parent"]["channel"] == "stable"
    assert relation["child"]["iteration_id"] == child["id"]

    children = admin.get(admin.v1 + f"/images/{base}/ancestry", params={"type": "children"}).json()
    assert [r["child"]["bucket_slug"] for r in children["relations"]] == [app]
    filtered = admin.get(
        admin.v1 + f"/images/{base}/ancestry", params={"type": "children", "channel": "latest"}
    ).json()
    assert filtered["relations"] == [] or filtered.get("total_count", 0) == 0
    both = admin.get(admin.v1 + f"/images/{app}/ancestry").json()
    assert both["total_count"] == 1

    summary = admin.get(admin.v1 + f"/images/{app}").json()["bucket"]
    assert summary["parents"]["status"] == "UP_TO_DATE"
    assert summary["parents"]["href"].endswith(f"/images/{app}/ancestry?type=parents")
    assert admin.get(admin.v1 + f"/images/{base}").json()["bucket"]["children"]["status"] == (
        "UP_TO_DATE"
    )
    newer = push(admin, base, "base-2")
    admin.patch(admin.v1 + f"/images/{base}/channels/stable", json={"iteration_id": newer["id"]})
    parents = admin.get(admin.v1 + f"/images/{app}/ancestry", params={"type": "parents"}).json()
    assert parents["relations"][0]["status"] == "OUT_OF_DATE"
    assert parents["relations"][0]["parent"]["channel_iteration"]["id"] == newer["id"]
    assert admin.get(admin.v1 + f"/images/{app}").json()["bucket"]["parents"]["status"] == (
        "OUT_OF_DATE"
    )
    listed = admin.get(admin.v1 + "/images").json()["buckets"]
    assert next(b for b in listed if b["slug"] == base)["children"]["status"] == "OUT_OF_DATE"
    error(admin.get(admin.v1 + f"/images/{app}/ancestry", params={"type": "cousins"}), 400, 3)


def test_revoked_parent_is_out_of_date(admin, name):
    _base, app, parent, _child = _family(admin, name)
    admin.patch(
        admin.v1 + f"/iterations/{parent['id']}",
        json={"revoke_in": "0s", "skip_descendants_revocation": True},
    )
    parents = admin.get(admin.v1 + f"/images/{app}/ancestry", params={"type": "parents"}).json()
    assert parents["relations"][0]["status"] == "OUT_OF_DATE"


def test_early_revision_ancestors_and_children(admin, name):
    base, app, parent, child = _family(admin, name)
    ancestors = admin.get(admin.v1 + f"/images/{app}/iterations/1/ancestors").json()["ancestors"]
    assert [a["id"] for a in ancestors] == [parent["id"]]
    children = admin.get(admin.v1 + f"/images/{base}/iterations/1/children").json()["children"]
    assert [c["id"] for c in children] == [child["id"]]
    assert children[0]["builds"]
    error(admin.get(admin.v1 + f"/images/{base}/iterations/9/children"), 404, 5)
