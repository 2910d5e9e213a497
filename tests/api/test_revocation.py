"""Revocation over HTTP: now or scheduled, descendants, channel rollback, restore."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import error, push


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_revoke_now_and_restore(admin, name):
    iteration = push(admin, name, "fp-1")
    path = admin.v1 + f"/iterations/{iteration['id']}"
    revoked = admin.patch(
        path, json={"revoke_at": _rfc3339(datetime.now(UTC)), "revocation_message": "CVE"}
    ).json()["iteration"]
    assert revoked["revocation_message"] == "CVE"
    assert revoked["revocation_type"] == "MANUAL"
    assert revoked["revocation_author"]
    assert revoked["revoke_at"]
    error(admin.patch(path, json={"revoke_in": "0s"}), 400, 9)
    restored = admin.patch(path, json={"restore": True}).json()["iteration"]
    assert "revoke_at" not in restored
    error(admin.patch(path, json={"restore": True}), 400, 9)


def test_scheduled_revocation_needs_no_job(admin, name):
    iteration = push(admin, name, "fp-1")
    path = admin.v1 + f"/iterations/{iteration['id']}"
    soon = datetime.now(UTC) + timedelta(seconds=2)
    admin.patch(path, json={"revoke_at": _rfc3339(soon)})
    base = admin.v1 + f"/images/{name}/channels"
    assert admin.post(base, json={"slug": "early", "iteration_id": iteration["id"]}).is_success
    history = admin.get(base + "/early/history").json()["history"]
    assert history[0]["iteration"]["status"] == "ITERATION_REVOCATION_SCHEDULED"
    while datetime.now(UTC) < soon + timedelta(milliseconds=100):
        pass
    error(admin.post(base, json={"slug": "late", "iteration_id": iteration["id"]}), 400, 9)
    history = admin.get(base + "/early/history").json()["history"]
    assert history[0]["iteration"]["status"] == "ITERATION_REVOKED"


def test_revoke_in_and_bad_input(admin, name):
    iteration = push(admin, name, "fp-1")
    path = admin.v1 + f"/iterations/{iteration['id']}"
    error(admin.patch(path, json={"revoke_in": "soon"}), 400, 3)
    error(admin.patch(path, json={"revoke_at": "yesterday"}), 400, 3)
    error(
        admin.patch(path, json={"revoke_in": "1h", "revoke_at": _rfc3339(datetime.now(UTC))}),
        400,
        3,
    )
    error(admin.patch(path, json={"revoke_in": "1h", "restore": True}), 400, 3)
    scheduled = admin.patch(path, json={"revoke_in": "2h45m"}).json()["iteration"]
    moment = datetime.fromisoformat(scheduled["revoke_at"].replace("Z", "+00:00"))
    expected = datetime.now(UTC) + timedelta(hours=2, minutes=45)
    assert abs((moment - expected).total_seconds()) < 60


def test_rollback_channels(admin, name):
    first = push(admin, name, "fp-1")
    second = push(admin, name, "fp-2")
    base = admin.v1 + f"/images/{name}/channels"
    admin.post(base, json={"slug": "prod", "iteration_id": first["id"]})
    admin.patch(base + "/prod", json={"iteration_id": second["id"]})
    admin.post(base, json={"slug": "solo", "iteration_id": second["id"]})
    admin.patch(
        admin.v1 + f"/iterations/{second['id']}",
        json={"revoke_in": "0s", "rollback_channels": True},
    )
    assert admin.get(base + "/prod").json()["channel"]["iteration"]["id"] == first["id"]
    assert "iteration" not in admin.get(base + "/solo").json()["channel"]


def _child(admin, name, parent_bucket, parent):
    channel = admin.get(admin.v1 + f"/images/{parent_bucket}/channels/latest").json()["channel"]
    return push(admin, name, "child-1", parent=(parent["id"], channel["id"]))


def test_descendants_inherit_and_restore(admin, name):
    parent = push(admin, f"{name}-base", "base-1")
    child = _child(admin, f"{name}-app", f"{name}-base", parent)
    grandchild = push(
        admin,
        f"{name}-svc",
        "svc-1",
        parent=(
            child["id"],
            admin.get(admin.v1 + f"/images/{name}-app/channels/latest").json()["channel"]["id"],
        ),
    )
    admin.patch(
        admin.v1 + f"/iterations/{parent['id']}",
        json={"revoke_in": "0s", "revocation_message": "bad"},
    )
    for bucket, it in ((f"{name}-app", child), (f"{name}-svc", grandchild)):
        got = admin.get(admin.v1 + f"/images/{bucket}/iteration", params={"iteration_id": it["id"]})
        got = got.json()["iteration"]
        assert got["revocation_type"] == "INHERITED"
        assert got["revocation_inherited_from"]["iteration_id"] == parent["id"]
        assert got["revocation_message"] == "bad"
    parent_now = admin.get(
        admin.v1 + f"/images/{name}-base/iteration", params={"iteration_id": parent["id"]}
    ).json()["iteration"]
    assert parent_now["has_descendants"] is True
    admin.patch(admin.v1 + f"/iterations/{parent['id']}", json={"restore": True})
    got = admin.get(
        admin.v1 + f"/images/{name}-app/iteration", params={"iteration_id": child["id"]}
    )
    assert "revoke_at" not in got.json()["iteration"]


def test_skip_descendants(admin, name):
    parent = push(admin, f"{name}-base", "base-1")
    child = _child(admin, f"{name}-app", f"{name}-base", parent)
    admin.patch(
        admin.v1 + f"/iterations/{parent['id']}",
        json={"revoke_in": "0s", "skip_descendants_revocation": True},
    )
    got = admin.get(
        admin.v1 + f"/images/{name}-app/iteration", params={"iteration_id": child["id"]}
    )
    assert "revoke_at" not in got.json()["iteration"]


ZERO = "0001-01-01T00:00:00.000Z"  # what the Go SDK sends for an unset revoke_at


def test_go_zero_time_means_unset(admin, name):
    iteration = push(admin, name, "fp-1")
    path = admin.v1 + f"/iterations/{iteration['id']}"
    completed = admin.patch(path, json={"complete": True, "revoke_at": ZERO}).json()["iteration"]
    assert "revoke_at" not in completed
    asked = datetime.now(UTC)
    scheduled = admin.patch(path, json={"revoke_in": "30d", "revoke_at": ZERO}).json()
    revoke_at = datetime.fromisoformat(scheduled["iteration"]["revoke_at"].replace("Z", "+00:00"))
    assert abs(revoke_at - (asked + timedelta(days=30))) < timedelta(minutes=1)
    restored = admin.patch(path, json={"restore": True, "revoke_at": ZERO}).json()["iteration"]
    assert "revoke_at" not in restored
