"""Builds over HTTP: per component type, status lifecycle, images, parents, delete."""

from __future__ import annotations

from tests.api.conftest import error, push


def _iteration(admin, name):
    admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    return admin.post(admin.v1 + f"/images/{name}/iterations", json={"fingerprint": "fp"}).json()[
        "iteration"
    ]


def _create(admin, name, iteration_id, component, **fields):
    return admin.post(
        admin.v1 + f"/images/{name}/iterations/{iteration_id}",
        json={"build": {"component_type": component, **fields}},
    )


def test_lifecycle(admin, name):
    iteration = _iteration(admin, name)
    created = _create(admin, name, iteration["id"], "null.a", packer_run_uuid="run-1")
    assert created.status_code == 200, created.text
    build = created.json()["build"]
    assert build["status"] == "UNSET"
    assert build["iteration_id"] == iteration["id"]
    error(_create(admin, name, iteration["id"], "null.a"), 409, 6)
    error(_create(admin, name, iteration["id"], ""), 400, 3)

    path = admin.v1 + f"/builds/{build['id']}"
    for _ in range(2):  # RUNNING, then a heartbeat
        running = admin.patch(path, json={"updates": {"status": "RUNNING"}})
        assert running.json()["build"]["status"] == "RUNNING"
    error(admin.patch(path, json={"updates": {"status": "DONE"}}), 400, 3)
    error(admin.patch(path, json={"updates": {"status": "EXPLODED"}}), 400, 3)
    done = admin.patch(
        path,
        json={
            "updates": {
                "status": "DONE",
                "cloud_provider": "aws",
                "source_image_id": "ami-base",
                "labels": {"os": "linux"},
                "images": [
                    {"image_id": "ami-1", "region": "us-east-1"},
                    {"image_id": "ami-2", "region": "eu-west-1"},
                ],
            }
        },
    ).json()["build"]
    assert done["status"] == "DONE"
    assert done["cloud_provider"] == "aws"
    assert done["source_image_id"] == "ami-base"
    assert done["labels"] == {"os": "linux"}
    assert [(i["image_id"], i["region"]) for i in done["images"]] == [
        ("ami-1", "us-east-1"),
        ("ami-2", "eu-west-1"),
    ]
    assert admin.get(path).json()["build"] == done
    error(admin.patch(path, json={"updates": {"status": "FAILED"}}), 400, 9)
    listed = admin.get(admin.v1 + f"/images/{name}/iterations/{iteration['id']}/builds").json()
    assert [b["id"] for b in listed["builds"]] == [build["id"]]
    again = admin.get(
        admin.v1 + f"/images/{name}/iteration", params={"iteration_id": iteration["id"]}
    )
    assert again.json()["iteration"]["complete"] is True


def test_failed_build_then_retry(admin, name):
    iteration = _iteration(admin, name)
    a = _create(admin, name, iteration["id"], "null.a").json()["build"]
    b = _create(admin, name, iteration["id"], "null.b").json()["build"]
    image = {"image_id": "x", "region": "r"}
    admin.patch(
        admin.v1 + f"/builds/{a['id']}", json={"updates": {"status": "DONE", "images": [image]}}
    )
    admin.patch(admin.v1 + f"/builds/{b['id']}", json={"updates": {"status": "FAILED"}})
    state = admin.get(admin.v1 + f"/images/{name}/iteration", params={"fingerprint": "fp"})
    assert state.json()["iteration"]["complete"] is False
    admin.patch(admin.v1 + f"/builds/{b['id']}", json={"updates": {"status": "RUNNING"}})
    admin.patch(
        admin.v1 + f"/builds/{b['id']}", json={"updates": {"status": "DONE", "images": [image]}}
    )
    state = admin.get(admin.v1 + f"/images/{name}/iteration", params={"fingerprint": "fp"})
    assert state.json()["iteration"]["complete"] is True
    assert state.json()["iteration"]["incremental_version"] == 1


def test_parent_is_set_once(admin, name):
    parent = push(admin, f"{name}-parent", "p1")
    channel = admin.post(
        admin.v1 + f"/images/{name}-parent/channels",
        json={"slug": "base", "iteration_id": parent["id"]},
    ).json()["channel"]
    other = push(admin, f"{name}-parent", "p2")
    iteration = _iteration(admin, name)
    build = _create(admin, name, iteration["id"], "null.a").json()["build"]
    path = admin.v1 + f"/builds/{build['id']}"
    set_parent = {"source_iteration_id": parent["id"], "source_channel_id": channel["id"]}
    assert admin.patch(path, json={"updates": set_parent}).status_code == 200
    assert admin.patch(path, json={"updates": set_parent}).status_code == 200
    error(admin.patch(path, json={"updates": {"source_iteration_id": other["id"]}}), 409, 6)
    error(admin.patch(path, json={"updates": {"source_iteration_id": "01UNKNOWN"}}), 400, 3)


def test_delete_build(admin, name):
    iteration = _iteration(admin, name)
    build = _create(admin, name, iteration["id"], "null.a").json()["build"]
    assert admin.delete(admin.v1 + f"/builds/{build['id']}").json() == {}
    error(admin.get(admin.v1 + f"/builds/{build['id']}"), 404, 5)
    error(admin.delete(admin.v1 + f"/builds/{build['id']}"), 404, 5)
    # The component can be built again once its build is gone.
    assert _create(admin, name, iteration["id"], "null.a").status_code == 200
