"""The 2023-01-01 plane over HTTP: the Packer push path, channels, revocation, registry."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import error


def push2023(
    api,
    bucket: str,
    fingerprint: str,
    *,
    components=("null.a", "file.b"),
    finish: bool = True,
    template_type: str = "HCL2",
) -> dict[str, Any]:
    """What Packer 1.10+ does: get-or-create bucket, version, builds RUNNING then DONE."""
    if api.get(api.v2 + f"/buckets/{bucket}", check=False).status_code == 404:
        created = api.put(api.v2 + "/buckets", json={"name": bucket, "description": "d"})
        assert created.status_code == 200, created.text
    error(api.get(api.v2 + f"/buckets/{bucket}/versions/{fingerprint}"), 409, 10)
    created = api.post(
        api.v2 + f"/buckets/{bucket}/versions",
        json={"fingerprint": fingerprint, "template_type": template_type},
    )
    assert created.status_code == 200, created.text
    assert created.json()["version"]["name"] == "v0"
    base = api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds"
    assert api.get(base).json()["builds"] == []
    ids = []
    for component in components:
        build = api.post(base, json={"component_type": component, "status": "BUILD_UNSET"})
        assert build.status_code == 200, build.text
        ids.append(build.json()["build"]["id"])
    assert api.get(api.v2 + f"/enforced_blocks/bucket/{bucket}").json() == {
        "enforced_block_detail": []
    }
    for build_id, component in zip(ids, components, strict=True):
        api.patch(base + f"/{build_id}", json={"status": "BUILD_RUNNING"})
        if finish:
            done = api.patch(
                base + f"/{build_id}",
                json={
                    "status": "BUILD_DONE",
                    "platform": component.split(".")[0],
                    "artifacts": [{"external_identifier": f"ext-{component}", "region": "r1"}],
                    "labels": {"c": component},
                    "metadata": {"packer": {"version": "1.16.0"}, "vcs": None, "cicd": None},
                },
            )
            assert done.status_code == 200, done.text
    return dict(api.get(api.v2 + f"/buckets/{bucket}/versions/{fingerprint}").json()["version"])


def test_push_names_versions_and_moves_latest(admin, name):
    first = push2023(admin, name, "fp-1")
    assert first["name"] == "v1"
    assert first["status"] == "VERSION_ACTIVE"
    assert first["template_type"] == "HCL2"
    assert {b["status"] for b in first["builds"]} == {"BUILD_DONE"}
    build = first["builds"][0]
    assert build["artifacts"][0]["external_identifier"] == "ext-null.a"
    assert build["metadata"] == {"packer": {"version": "1.16.0"}}
    latest = admin.get(admin.v2 + f"/buckets/{name}/channels/latest").json()["channel"]
    assert latest["managed"] is True and latest["version"]["name"] == "v1"
    second = push2023(admin, name, "fp-2")
    assert second["name"] == "v2"
    latest = admin.get(admin.v2 + f"/buckets/{name}/channels/latest").json()["channel"]
    assert latest["version"]["fingerprint"] == "fp-2"
    bucket = admin.get(admin.v2 + f"/buckets/{name}").json()["bucket"]
    assert bucket["version_count"] == "2"
    assert bucket["latest_version"]["name"] == "v2"
    assert bucket["resource_name"] == f"packer/project/{admin.server.project_id}/bucket/{name}"
    running = push2023(admin, name, "fp-3", finish=False)
    assert running["name"] == "v0" and running["status"] == "VERSION_RUNNING"
    listed = admin.get(admin.v2 + f"/buckets/{name}/versions").json()["versions"]
    assert [v["name"] for v in listed] == ["v1", "v2", "v0"]


def test_both_planes_read_each_other(admin, name):
    """What one API writes, the other reads: iteration ⇔ version, image ⇔ artifact."""
    push2023(admin, name, "fp-new")
    iteration = admin.get(
        admin.v1 + f"/images/{name}/iteration", params={"fingerprint": "fp-new"}
    ).json()["iteration"]
    assert iteration["complete"] is True and iteration["incremental_version"] == 1
    assert {i["image_id"] for b in iteration["builds"] for i in b["images"]} == {
        "ext-null.a",
        "ext-file.b",
    }
    from tests.api.conftest import push

    push(admin, name, "fp-old")
    version = admin.get(admin.v2 + f"/buckets/{name}/versions/fp-old").json()["version"]
    assert version["name"] == "v2" and version["status"] == "VERSION_ACTIVE"
    assert {a["external_identifier"] for b in version["builds"] for a in b["artifacts"]} == {
        "img-null.a",
        "img-file.b",
    }
    admin.post(
        admin.v1 + f"/images/{name}/channels", json={"slug": "prod", "fingerprint": "fp-old"}
    )
    channel = admin.get(admin.v2 + f"/buckets/{name}/channels/prod").json()["channel"]
    assert channel["version"]["fingerprint"] == "fp-old"
    admin.patch(
        admin.v2 + f"/buckets/{name}/channels/prod",
        json={"version_fingerprint": "fp-new", "update_mask": "versionFingerprint"},
    )
    history = admin.get(admin.v1 + f"/images/{name}/channels/prod/history").json()["history"]
    assert [h["iteration"]["fingerprint"] for h in history] == ["fp-new", "fp-old"]
    admin.patch(admin.v1 + f"/iterations/{iteration['id']}", json={"revoke_in": "0s"})
    revoked = admin.get(admin.v2 + f"/buckets/{name}/versions/fp-new").json()["version"]
    assert revoked["status"] == "VERSION_REVOKED" and revoked["revocation_type"] == "MANUAL"


def test_builds_and_errors(admin, name):
    push2023(admin, name, "fp-1", finish=False, components=("null.a",))
    base = admin.v2 + f"/buckets/{name}/versions/fp-1/builds"
    error(admin.post(base, json={"component_type": "null.a"}), 409, 6)
    error(admin.post(base, json={"component_type": "x", "status": "DONE"}), 400, 3)
    error(admin.get(admin.v2 + f"/buckets/{name}/versions/nope/builds"), 404, 5)
    build = admin.get(base).json()["builds"][0]
    assert admin.get(base + f"/{build['id']}").json()["build"]["status"] == "BUILD_RUNNING"
    error(admin.get(admin.v2 + f"/buckets/{name}/versions/fp-1/builds/01NOPE"), 404, 5)
    push2023(admin, name, "fp-other", finish=False, components=("null.z",))
    elsewhere = admin.v2 + f"/buckets/{name}/versions/fp-other/builds/{build['id']}"
    error(admin.get(elsewhere), 404, 5)  # a build is found only under its own version
    error(admin.patch(elsewhere, json={"status": "BUILD_FAILED"}), 404, 5)
    failed = admin.patch(base + f"/{build['id']}", json={"status": "BUILD_FAILED"}).json()
    assert failed["build"]["status"] == "BUILD_FAILED"
    version = admin.get(admin.v2 + f"/buckets/{name}/versions/fp-1").json()["version"]
    assert version["status"] == "VERSION_FAILED"
    assert admin.delete(base + f"/{build['id']}").json() == {}
    error(admin.put(admin.v2 + "/buckets", json={"name": name}), 409, 6)
    error(admin.post(admin.v2 + f"/buckets/{name}/versions", json={"fingerprint": "fp-1"}), 409, 6)


def test_channels(admin, viewer, name):
    push2023(admin, name, "fp-1")
    push2023(admin, name, "fp-2")
    base = admin.v2 + f"/buckets/{name}/channels"
    created = admin.post(base, json={"name": "prod", "version_fingerprint": "fp-1"})
    assert created.json()["channel"]["version"]["name"] == "v1"
    error(admin.post(base, json={"name": "prod"}), 409, 6)
    error(admin.patch(base + "/prod", json={"version_fingerprint": "fp-2"}), 400, 3)
    error(
        admin.patch(
            base + "/latest",
            json={"version_fingerprint": "fp-1", "update_mask": "versionFingerprint"},
        ),
        400,
        9,
    )
    error(admin.delete(base + "/latest"), 400, 3)
    error(
        admin.patch(base + "/missing", json={"restricted": True, "update_mask": "restricted"}),
        404,
        5,
    )
    admin.post(base, json={"name": "staging"})
    assigned = admin.post(
        base + "/assign", json={"source_channel": "latest", "target_channel": "staging"}
    ).json()
    assert assigned["fingerprint"] == "fp-2"
    assert assigned["target_channel"]["version"]["name"] == "v2"
    secret = admin.patch(base + "/staging", json={"restricted": True, "update_mask": "restricted"})
    assert secret.json()["channel"]["restricted"] is True
    assert secret.json()["channel"]["version"]["name"] == "v2"
    error(viewer.get(base + "/staging"), 404, 5)
    assert {c["name"] for c in viewer.get(base).json()["channels"]} == {"latest", "prod"}
    history = admin.get(base + "/staging/history").json()
    assert history["count"] == 1 and history["history"][0]["version"]["fingerprint"] == "fp-2"
    assert admin.delete(base + "/staging").json() == {}


def test_revocation_rolls_back_by_default(admin, name):
    push2023(admin, name, "fp-1")
    push2023(admin, name, "fp-2")
    base = admin.v2 + f"/buckets/{name}"
    admin.post(base + "/channels", json={"name": "prod", "version_fingerprint": "fp-1"})
    admin.patch(
        base + "/channels/prod",
        json={"version_fingerprint": "fp-2", "update_mask": "versionFingerprint"},
    )
    zero = "0001-01-01T00:00:00.000Z"
    revoked = admin.patch(
        base + "/versions/fp-2",
        json={"revoke_in": "0s", "revoke_at": zero, "revocation_message": "bad"},
    )
    assert revoked.json()["version"]["status"] == "VERSION_REVOKED"
    prod = admin.get(base + "/channels/prod").json()["channel"]
    assert prod["version"]["fingerprint"] == "fp-1"
    restored = admin.patch(base + "/versions/fp-2", json={"restore": True}).json()["version"]
    assert restored["status"] == "VERSION_ACTIVE"
    scheduled = admin.patch(base + "/versions/fp-2", json={"revoke_in": "1h"}).json()["version"]
    assert scheduled["status"] == "VERSION_REVOCATION_SCHEDULED"
    assert admin.delete(base + "/versions/fp-1").json() == {}
    error(admin.get(base + "/versions/fp-1"), 409, 10)


def test_ancestry(admin, name):
    parent = push2023(admin, f"{name}-base", "b-1")
    latest = admin.get(admin.v2 + f"/buckets/{name}-base/channels/latest").json()["channel"]
    push2023(admin, f"{name}-app", "a-1", finish=False, components=("null.a",))
    base = admin.v2 + f"/buckets/{name}-app/versions/a-1/builds"
    build = admin.get(base).json()["builds"][0]
    admin.patch(
        base + f"/{build['id']}",
        json={
            "status": "BUILD_DONE",
            "parent_version_id": parent["id"],
            "parent_channel_id": latest["id"],
            "artifacts": [{"external_identifier": "x", "region": "r"}],
        },
    )
    parents = admin.get(
        admin.v2 + f"/buckets/{name}-app/ancestry", params={"type": "ANCESTRY_TYPE_PARENTS"}
    ).json()
    relation = parents["relations"][0]
    assert relation["status"] == "UP_TO_DATE"
    assert relation["parent"]["version_name"] == "v1"
    assert relation["parent"]["channel_name"] == "latest"
    children = admin.get(
        admin.v2 + f"/buckets/{name}-base/ancestry", params={"type": "ANCESTRY_TYPE_CHILDREN"}
    ).json()
    assert children["relations"][0]["child"]["bucket_name"] == f"{name}-app"
    other = push2023(admin, f"{name}-base", "b-2")
    error(admin.patch(base + f"/{build['id']}", json={"parent_version_id": other["id"]}), 409, 6)


def test_registry_and_run_task_config(admin):
    assert admin.get(admin.v2 + "/registry").json()["registry"]["config"]["activated"] is True
    config = admin.get(admin.v2 + "/runtasks/config").json()
    assert config == {"on_untracked_image": "UNSET"}
    changed = admin.patch(admin.v2 + "/runtasks/config", json={"on_untracked_image": "WARN"})
    assert changed.json() == {"on_untracked_image": "WARN"}
    error(admin.patch(admin.v2 + "/runtasks/config", json={}), 400, 3)
    task = admin.get(admin.v2 + "/runtasks/validation").json()
    assert task["api_url"].endswith(task["api_url"].rsplit("/", 1)[1])
    assert admin.patch(admin.v2 + "/runtasks/hmac", json={}).json()["hmac_key"]
    try:
        off = admin.patch(
            admin.v2 + "/registry", json={"activated": False, "update_mask": "activated"}
        )
        assert off.json()["registry"]["config"].get("activated", False) is False
        body = error(admin.get(admin.v2 + "/buckets"), 400, 9)
        assert body["message"] == "registry not activated"
    finally:
        admin.patch(admin.v2 + "/registry", json={"activated": True, "update_mask": "activated"})


def test_bucket_crud_and_registry_lifecycle(admin, name):
    created = admin.put(admin.v2 + "/buckets", json={"name": name, "labels": {"a": "b"}})
    assert created.json()["bucket"]["version_count"] == "0"
    updated = admin.patch(
        admin.v2 + f"/buckets/{name}", json={"description": "new", "labels": {"c": "d"}}
    )
    assert updated.json()["bucket"]["description"] == "new"
    assert updated.json()["bucket"]["labels"] == {"c": "d"}
    listed = admin.get(admin.v2 + "/buckets", params={"sorting.order_by": "name desc"}).json()
    names = [b["name"] for b in listed["buckets"]]
    assert name in names and names == sorted(names, reverse=True)
    assert admin.delete(admin.v2 + f"/buckets/{name}").json() == {}
    error(admin.get(admin.v2 + f"/buckets/{name}"), 404, 5)
    try:
        off = admin.delete(admin.v2 + "/registry").json()["registry"]
        assert off["config"].get("activated", False) is False
        error(admin.get(admin.v2 + "/buckets"), 400, 9)
        on = admin.put(admin.v2 + "/registry", json={"feature_tier": "PLUS"}).json()
        assert on["registry"]["config"]["activated"] is True
        assert on["registry"]["config"]["feature_tier"] == "PLUS"
    finally:
        admin.patch(admin.v2 + "/registry", json={"activated": True, "update_mask": "activated"})


def test_scheduled_revocation_shows_without_a_write(admin, name):
    import time
    from datetime import UTC, datetime, timedelta

    push2023(admin, name, "fp-1")
    soon = datetime.now(UTC) + timedelta(seconds=2)
    at = soon.isoformat().replace("+00:00", "Z")
    # Without rollback, so that `latest` keeps the version and shows its status.
    admin.patch(
        admin.v2 + f"/buckets/{name}/versions/fp-1",
        json={"revoke_at": at, "disable_rollback_channels": True},
    )
    paths = [f"/buckets/{name}/versions/fp-1", f"/buckets/{name}/channels/latest"]
    for _ in range(2):  # the second read is served from the cache
        version = admin.get(admin.v2 + paths[0]).json()["version"]
        assert version["status"] == "VERSION_REVOCATION_SCHEDULED"
        channel = admin.get(admin.v2 + paths[1]).json()["channel"]
        assert channel["version"]["status"] == "VERSION_REVOCATION_SCHEDULED"
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    assert admin.get(admin.v2 + paths[0]).json()["version"]["status"] == "VERSION_REVOKED"
    channel = admin.get(admin.v2 + paths[1]).json()["channel"]
    assert channel["version"]["status"] == "VERSION_REVOKED"


def test_registry_mask_reads_absent_fields_as_false(admin):
    try:
        off = admin.patch(admin.v2 + "/registry", json={"update_mask": "activated"})
        assert off.json()["registry"]["config"].get("activated", False) is False
        on = admin.patch(
            admin.v2 + "/registry", json={"activated": True, "update_mask": "config.activated"}
        )
        assert on.json()["registry"]["config"]["activated"] is True
        error(admin.patch(admin.v2 + "/registry", json={"update_mask": "colour"}), 400, 3)
    finally:
        admin.patch(admin.v2 + "/registry", json={"activated": True, "update_mask": "activated"})
