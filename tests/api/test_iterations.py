"""Iterations over HTTP: fingerprints, completion, lookup, listing, update, delete."""

from __future__ import annotations

from tests.api.conftest import error, push


def test_unknown_fingerprint_is_aborted(admin, name):
    admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    body = error(
        admin.get(admin.v1 + f"/images/{name}/iteration", params={"fingerprint": "nope"}), 409, 10
    )
    assert "nope" in body["message"]


def test_push_completes_with_incremental_versions(admin, name):
    first = push(admin, name, "fp-1")
    assert first["complete"] is True
    assert first["incremental_version"] == 1
    assert {build["status"] for build in first["builds"]} == {"DONE"}
    images = {b["component_type"]: b["images"][0] for b in first["builds"]}
    assert images["null.a"]["image_id"] == "img-null.a"
    assert images["null.a"]["region"] == "r1"
    second = push(admin, name, "fp-2")
    assert second["incremental_version"] == 2
    incomplete = push(admin, name, "fp-3", finish=False)
    assert incomplete["complete"] is False
    assert "incremental_version" not in incomplete

    by_version = admin.get(
        admin.v1 + f"/images/{name}/iteration", params={"incremental_version": 2}
    ).json()["iteration"]
    assert by_version["fingerprint"] == "fp-2"
    by_fingerprint = admin.get(
        admin.v1 + f"/images/{name}/iteration", params={"fingerprint": "fp-1"}
    ).json()["iteration"]
    assert by_fingerprint["id"] == first["id"]
    error(admin.get(admin.v1 + f"/images/{name}/iteration"), 400, 3)
    error(
        admin.get(admin.v1 + f"/images/{name}/iteration", params={"iteration_id": "01NOPE"}), 404, 5
    )


def test_duplicate_fingerprint_refused(admin, name):
    push(admin, name, "fp-1", finish=False)
    again = admin.post(admin.v1 + f"/images/{name}/iterations", json={"fingerprint": "fp-1"})
    error(again, 409, 6)
    error(admin.post(admin.v1 + f"/images/{name}/iterations", json={}), 400, 3)
    error(admin.post(admin.v1 + "/images/missing/iterations", json={"fingerprint": "x"}), 404, 5)


def test_list_iterations_include_incomplete(admin, name):
    push(admin, name, "fp-1")
    push(admin, name, "fp-2", finish=False)
    everything = admin.get(admin.v1 + f"/images/{name}/iterations").json()["iterations"]
    assert [i["fingerprint"] for i in everything] == ["fp-1", "fp-2"]
    assert everything[0]["build_statuses"] == {"null.a": "DONE", "file.b": "DONE"}
    assert everything[1]["build_statuses"] == {"null.a": "RUNNING", "file.b": "RUNNING"}
    complete = admin.get(
        admin.v1 + f"/images/{name}/iterations", params={"include_incomplete": "false"}
    ).json()["iterations"]
    assert [i["fingerprint"] for i in complete] == ["fp-1"]
    explicit = admin.get(
        admin.v1 + f"/images/{name}/iterations", params={"include_incomplete": "true"}
    ).json()["iterations"]
    assert len(explicit) == 2
    newest_first = admin.get(
        admin.v1 + f"/images/{name}/iterations", params={"sorting.order_by": "created_at desc"}
    ).json()["iterations"]
    assert [i["fingerprint"] for i in newest_first] == ["fp-2", "fp-1"]


def test_template_type_recorded(admin, name):
    admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    created = admin.post(
        admin.v1 + f"/images/{name}/iterations", json={"fingerprint": "f", "template_type": "HCL2"}
    )
    assert created.json()["iteration"]["template_type"] == "HCL2"
    bad = admin.post(
        admin.v1 + f"/images/{name}/iterations", json={"fingerprint": "g", "template_type": "XML"}
    )
    error(bad, 400, 3)


def test_update_iteration_complete(admin, name):
    iteration = push(admin, name, "fp-1", finish=False)
    refused = admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={"complete": True})
    error(refused, 400, 9)
    error(admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={}), 400, 3)


def test_delete_iteration(admin, name):
    first = push(admin, name, "fp-1")
    second = push(admin, name, "fp-2")
    admin.post(
        admin.v1 + f"/images/{name}/channels", json={"slug": "prod", "iteration_id": first["id"]}
    )
    admin.patch(admin.v1 + f"/images/{name}/channels/prod", json={"iteration_id": second["id"]})
    deleted = admin.delete(
        admin.v1 + f"/iterations/{second['id']}", params={"rollback_channels": "true"}
    )
    assert deleted.json() == {}
    channel = admin.get(admin.v1 + f"/images/{name}/channels/prod").json()["channel"]
    assert channel["iteration"]["id"] == first["id"]
    build_id = second["builds"][0]["id"]
    error(admin.get(admin.v1 + f"/builds/{build_id}"), 404, 5)
    error(admin.delete(admin.v1 + f"/iterations/{second['id']}"), 404, 5)
    # Without rollback the channel is left unassigned.
    admin.delete(admin.v1 + f"/iterations/{first['id']}")
    channel = admin.get(admin.v1 + f"/images/{name}/channels/prod").json()["channel"]
    assert "iteration" not in channel
