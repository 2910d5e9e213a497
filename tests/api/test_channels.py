"""Channels over HTTP: create, assign, restrict, history, delete, the managed latest channel."""

from __future__ import annotations

from tests.api.conftest import error, push


def test_latest_follows_completion(admin, name):
    push(admin, name, "fp-1")
    latest = admin.get(admin.v1 + f"/images/{name}/channels/latest").json()["channel"]
    assert latest["managed"] is True
    assert latest["iteration"]["incremental_version"] == 1
    push(admin, name, "fp-2")
    latest = admin.get(admin.v1 + f"/images/{name}/channels/latest").json()["channel"]
    assert latest["iteration"]["incremental_version"] == 2
    error(
        admin.patch(admin.v1 + f"/images/{name}/channels/latest", json={"incremental_version": 1}),
        400,
        9,
    )
    error(admin.delete(admin.v1 + f"/images/{name}/channels/latest"), 400, 3)


def test_create_assign_history(admin, name):
    first = push(admin, name, "fp-1")
    second = push(admin, name, "fp-2")
    base = admin.v1 + f"/images/{name}/channels"
    created = admin.post(base, json={"slug": "prod", "fingerprint": "fp-1"}).json()["channel"]
    assert created["iteration"]["id"] == first["id"]
    assert created["managed"] is False
    assert created["iteration"]["builds"][0]["images"]
    error(admin.post(base, json={"slug": "prod"}), 409, 6)
    error(admin.post(base, json={"slug": ""}), 400, 3)

    by_version = admin.patch(base + "/prod", json={"incremental_version": 2}).json()["channel"]
    assert by_version["iteration"]["id"] == second["id"]
    by_id = admin.patch(base + "/prod", json={"iteration_id": first["id"]}).json()["channel"]
    assert by_id["iteration"]["id"] == first["id"]
    unassigned = admin.patch(base + "/prod", json={}).json()["channel"]
    assert "iteration" not in unassigned
    error(admin.patch(base + "/prod", json={"fingerprint": "nope"}), 404, 5)
    error(admin.patch(base + "/nope", json={"fingerprint": "fp-1"}), 404, 5)

    history = admin.get(base + "/prod/history").json()
    assert history["count"] == 4
    entries = history["history"]
    assert "iteration" not in entries[0]
    assert [e["iteration"]["id"] for e in entries[1:]] == [first["id"], second["id"], first["id"]]
    assert all(e["author_id"] and e["promoted_at"] for e in entries)
    assert entries[1]["iteration"]["status"] == "ITERATION_ACTIVE"
    page = admin.get(base + "/prod/history", params={"pagination.page_size": 1}).json()
    assert len(page["history"]) == 1 and page["pagination"]["next_page_token"]

    listed = admin.get(base).json()["channels"]
    assert {c["slug"] for c in listed} == {"latest", "prod"}
    assert admin.delete(base + "/prod").json() == {}
    error(admin.get(base + "/prod"), 404, 5)


def test_only_complete_unrevoked_iterations_assignable(admin, name):
    push(admin, name, "fp-1")
    incomplete = push(admin, name, "fp-2", finish=False)
    base = admin.v1 + f"/images/{name}/channels"
    error(admin.post(base, json={"slug": "c", "iteration_id": incomplete["id"]}), 400, 9)
    admin.post(base, json={"slug": "c"})
    error(admin.patch(base + "/c", json={"fingerprint": "fp-2"}), 400, 9)
    first = admin.get(admin.v1 + f"/images/{name}/iteration", params={"fingerprint": "fp-1"})
    iteration_id = first.json()["iteration"]["id"]
    admin.patch(admin.v1 + f"/iterations/{iteration_id}", json={"revoke_in": "0s"})
    error(admin.patch(base + "/c", json={"fingerprint": "fp-1"}), 400, 9)


def test_restricted_channels_hidden_from_viewers(admin, viewer, name):
    push(admin, name, "fp-1")
    base = admin.v1 + f"/images/{name}/channels"
    admin.post(base, json={"slug": "secret", "restriction": "RESTRICTED", "incremental_version": 1})
    admin.post(base, json={"slug": "open", "incremental_version": 1})
    assert admin.get(base + "/secret").json()["channel"]["restricted"] is True
    error(viewer.get(base + "/secret"), 404, 5)
    assert {c["slug"] for c in viewer.get(base).json()["channels"]} == {"latest", "open"}
    opened = admin.patch(
        base + "/secret", json={"restriction": "UNRESTRICTED", "mask": "restriction"}
    )
    assert opened.json()["channel"]["restricted"] is False
    assert opened.json()["channel"]["iteration"]["incremental_version"] == 1
    assert viewer.get(base + "/secret").status_code == 200


def test_mask_limits_the_update(admin, name):
    push(admin, name, "fp-1")
    push(admin, name, "fp-2")
    base = admin.v1 + f"/images/{name}/channels"
    admin.post(base, json={"slug": "m", "incremental_version": 1})
    kept = admin.patch(
        base + "/m",
        json={"incremental_version": 2, "restriction": "RESTRICTED", "mask": "restriction"},
    ).json()["channel"]
    assert kept["restricted"] is True
    assert kept["iteration"]["incremental_version"] == 1
    moved = admin.patch(
        base + "/m", json={"incremental_version": 2, "mask": "incrementalVersion"}
    ).json()["channel"]
    assert moved["iteration"]["incremental_version"] == 2
    assert moved["restricted"] is True
