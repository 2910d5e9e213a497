"""The project's registry: get, create, update, delete; gating while deactivated; run tasks."""

from __future__ import annotations

from tests.api.conftest import error, push


def test_get_and_tier(admin):
    registry = admin.get(admin.v1 + "/registry").json()["registry"]
    assert registry["config"]["activated"] is True
    updated = admin.patch(admin.v1 + "/registry", json={"feature_tier": "PLUS"}).json()
    assert updated["registry"]["config"]["feature_tier"] == "PLUS"
    error(admin.patch(admin.v1 + "/registry", json={"feature_tier": "GOLD"}), 400, 3)
    error(admin.put(admin.v1 + "/registry", json={}), 409, 6)


def test_deactivated_registry_refuses_content(admin, name):
    iteration = push(admin, name, "fp-1")
    try:
        off = admin.patch(admin.v1 + "/registry", json={"activate": False}).json()
        assert off["registry"]["config"]["activated"] is False
        for response in (
            admin.get(admin.v1 + "/images"),
            admin.get(admin.v1 + f"/images/{name}"),
            admin.get(admin.v1 + f"/images/{name}/channels/latest"),
            admin.get(admin.v1 + f"/builds/{iteration['builds'][0]['id']}"),
            admin.put(admin.v1 + "/images", json={"bucket_slug": name + "-x"}),
        ):
            body = error(response, 400, 9)
            assert body["message"] == "registry not activated"
    finally:
        admin.patch(admin.v1 + "/registry", json={"activate": True})
    assert admin.get(admin.v1 + f"/images/{name}").status_code == 200


def test_delete_and_create(admin, name):
    push(admin, name, "fp-1")
    try:
        soft = admin.delete(admin.v1 + "/registry").json()["registry"]
        assert soft["config"]["activated"] is False
        again = admin.put(admin.v1 + "/registry", json={"feature_tier": "STANDARD"}).json()
        assert again["registry"]["config"]["activated"] is True
        assert admin.get(admin.v1 + f"/images/{name}").status_code == 200
    finally:
        admin.patch(admin.v1 + "/registry", json={"activate": True})


def test_hard_delete_in_its_own_project(live_server, name):
    import json

    from tests.support.server import Principal, packyard

    other = json.loads(
        packyard(
            "project",
            "create",
            f"hd-{name}",
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    created = json.loads(
        packyard(
            "principal",
            "create",
            f"hd-{name}",
            "--role",
            "admin",
            "--project",
            other["project_id"],
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    api = live_server.api(
        principal=Principal("hd", "admin", created["client_id"], created["client_secret"])
    )
    base = (
        f"/packer/2021-04-30/organizations/{other['organization_id']}"
        f"/projects/{other['project_id']}"
    )
    api.put(base + "/images", json={"bucket_slug": "gone"})
    assert api.delete(base + "/registry", params={"hard_delete": "true"}).status_code == 200
    error(api.get(base + "/registry"), 404, 5)
    error(api.get(base + "/images"), 400, 9)
    api.put(base + "/registry", json={})
    assert api.get(base + "/images").json()["buckets"] == []


def test_run_task_key(admin, viewer):
    first = admin.get(admin.v1 + "/runtasks/validation").json()
    assert first["api_url"].startswith("https://127.0.0.1:")
    assert first["hmac_key"]
    rotated = admin.patch(admin.v1 + "/runtasks/hmac", json={}).json()["hmac_key"]
    assert rotated != first["hmac_key"]
    assert admin.get(admin.v1 + "/runtasks/validation").json()["hmac_key"] == rotated
    error(admin.get(admin.v1 + "/runtasks/other"), 400, 3)
    error(viewer.get(viewer.v1 + "/runtasks/validation"), 403, 7)
