"""Revoking the version the managed `latest` channel points at rolls `latest` back, like a
user channel, on both API planes and in the preview; without rollback it keeps the version."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import push
from tests.api.test_extension_registry import ext, history_why
from tests.support.server import ApiClient

NOW = "2026-01-02T03:04:05Z"  # past: the revocation is effective at once


def _two_versions(api: ApiClient, bucket: str) -> tuple[dict[str, Any], dict[str, Any]]:
    first = push(api, bucket, f"{bucket}-1")
    second = push(api, bucket, f"{bucket}-2")
    return first, second


def _latest(api: ApiClient, bucket: str) -> dict[str, Any]:
    got = api.get(api.v2 + f"/buckets/{bucket}/channels/latest")
    assert got.status_code == 200, got.text
    channel: dict[str, Any] = got.json()["channel"]
    assert channel["managed"] is True, channel
    return channel


def _why(api: ApiClient, bucket: str) -> list[tuple[str, str, str]]:
    return history_why(api, bucket, "latest")


def test_revoking_the_newest_version_rolls_latest_back_on_the_2023_plane(
    admin: ApiClient, name: str
) -> None:
    first, second = _two_versions(admin, name)
    assert _latest(admin, name)["version"]["id"] == second["id"]
    revoked = admin.patch(
        admin.v2 + f"/buckets/{name}/versions/{name}-2",
        json={"revoke_at": NOW, "revocation_message": "CVE"},
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["version"]["status"] == "VERSION_REVOKED"

    latest = _latest(admin, name)
    assert latest["version"]["id"] == first["id"], latest
    assert latest["version"]["status"] == "VERSION_ACTIVE", latest
    history = admin.get(admin.v2 + f"/buckets/{name}/channels/latest/history")
    assert history.status_code == 200, history.text
    assert [item["version"]["name"] for item in history.json()["history"]] == ["v1", "v2", "v1"]
    assert _why(admin, name) == [
        ("rollback", "v2", "v1"),
        ("completed", "v1", "v2"),
        ("completed", "", "v1"),
    ]


def test_revoking_the_newest_iteration_rolls_latest_back_on_the_2021_plane(
    admin: ApiClient, name: str
) -> None:
    first, second = _two_versions(admin, name)
    revoked = admin.patch(
        admin.v1 + f"/iterations/{second['id']}",
        json={"revoke_at": NOW, "rollback_channels": True},
    )
    assert revoked.status_code == 200, revoked.text

    channels = admin.v1 + f"/images/{name}/channels"
    latest = admin.get(channels + "/latest").json()["channel"]
    assert latest["managed"] is True, latest
    assert latest["iteration"]["id"] == first["id"], latest
    history = admin.get(channels + "/latest/history").json()["history"]
    assert [item["iteration"]["id"] for item in history] == [first["id"], second["id"], first["id"]]
    assert _why(admin, name)[0] == ("rollback", "v2", "v1")


def test_a_descendants_latest_is_treated_like_its_user_channels(
    admin: ApiClient, name: str
) -> None:
    parent = f"{name}-base"
    base = push(admin, parent, f"{name}-p1")
    channel = admin.get(admin.v1 + f"/images/{parent}/channels/latest").json()["channel"]
    child = f"{name}-app"
    push(admin, child, f"{name}-c1")
    push(admin, child, f"{name}-c2", parent=(base["id"], channel["id"]))
    made = admin.post(
        admin.v2 + f"/buckets/{child}/channels",
        json={"name": "prod", "version_fingerprint": f"{name}-c2"},
    )
    assert made.status_code == 200, made.text
    revoked = admin.patch(
        admin.v2 + f"/buckets/{parent}/versions/{name}-p1", json={"revoke_at": NOW}
    )
    assert revoked.status_code == 200, revoked.text
    inherited = admin.get(admin.v2 + f"/buckets/{child}/versions/{name}-c2").json()["version"]
    assert inherited["revocation_type"] == "INHERITED", inherited
    prod = admin.get(admin.v2 + f"/buckets/{child}/channels/prod").json()["channel"]
    assert _latest(admin, child).get("version") == prod.get("version")


def test_a_latest_with_nothing_earlier_to_go_back_to_is_left_with_nothing(
    admin: ApiClient, name: str
) -> None:
    push(admin, name, f"{name}-1")
    revoked = admin.patch(admin.v2 + f"/buckets/{name}/versions/{name}-1", json={"revoke_at": NOW})
    assert revoked.status_code == 200, revoked.text
    assert "version" not in _latest(admin, name)
    assert _why(admin, name) == [("rollback", "v1", ""), ("completed", "", "v1")]


def test_without_rollback_latest_keeps_the_revoked_version(admin: ApiClient, name: str) -> None:
    _, second = _two_versions(admin, name)
    revoked = admin.patch(
        admin.v2 + f"/buckets/{name}/versions/{name}-2",
        json={"revoke_at": NOW, "disable_rollback_channels": True},
    )
    assert revoked.status_code == 200, revoked.text
    latest = _latest(admin, name)
    assert latest["version"]["id"] == second["id"], latest
    assert latest["version"]["status"] == "VERSION_REVOKED", latest
    assert [why for why, _, _ in _why(admin, name)] == ["completed", "completed"]

    other = f"{name}-b"
    _, newest = _two_versions(admin, other)
    # UpdateIteration rolls channels back only when rollback_channels is set.
    for body in ({"revoke_in": "0s"}, {"revoke_in": "0s", "rollback_channels": False}):
        done = admin.patch(admin.v1 + f"/iterations/{newest['id']}", json=body)
        assert done.status_code == 200, done.text
        channel = admin.get(admin.v1 + f"/images/{other}/channels/latest").json()["channel"]
        assert channel["iteration"]["id"] == newest["id"], channel
        restored = admin.patch(admin.v1 + f"/iterations/{newest['id']}", json={"restore": True})
        assert restored.status_code == 200, restored.text
    assert [why for why, _, _ in _why(admin, other)] == ["completed", "completed"]


def test_the_preview_lists_the_latest_move_and_not_without_rollback(
    admin: ApiClient, name: str
) -> None:
    _two_versions(admin, name)
    path = ext(admin) + f"/buckets/{name}/revocation-preview"
    plan = admin.post(path, json={"versions": [f"{name}-2"], "revoke_at": NOW})
    assert plan.status_code == 200, plan.text
    assert [
        (m["channel_name"], m["from_version"]["name"], m["to_version"]["name"])
        for m in plan.json()["channel_moves"]
    ] == [("latest", "v2", "v1")]
    assert _latest(admin, name)["version"]["name"] == "v2"  # nothing was written
    kept = admin.post(
        path, json={"versions": [f"{name}-2"], "revoke_at": NOW, "rollback_channels": False}
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["channel_moves"] == []
