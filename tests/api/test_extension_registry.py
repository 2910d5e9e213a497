"""The extension API's registry operations: revocation preview, artifact search, version diff.
Every answer is validated against src/packyard/wire/extension/openapi.yaml by the client."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

from tests.api.conftest import error, push
from tests.support.contract import EXTENSION_SPEC
from tests.support.server import ApiClient, LiveServer

PAST = "2026-01-02T03:04:05Z"  # a fixed moment, so preview and revoke agree to the second


def ext(api: ApiClient) -> str:
    return f"/packyard/v1/organizations/{api.server.org_id}/projects/{api.server.project_id}"


def history_why(api: ApiClient, bucket: str, channel: str) -> list[tuple[str, str, str]]:
    """A channel's history as the extension API tells it: why, from and to, newest first."""
    got = api.get(ext(api) + f"/buckets/{bucket}/channels/{channel}/history")
    assert got.status_code == 200, got.text
    return [
        (
            item["reason"],
            (item["from_version"] or {}).get("name", ""),
            (item["version"] or {}).get("name", ""),
        )
        for item in got.json()["history"]
    ]


def _channel(api: ApiClient, bucket: str, name: str, fingerprint: str) -> dict[str, Any]:
    path = api.v2 + f"/buckets/{bucket}/channels"
    existing = api.get(path + f"/{name}", check=False)
    if existing.status_code == 404:
        made = api.post(path, json={"name": name, "version_fingerprint": fingerprint})
    else:
        made = api.patch(
            path + f"/{name}",
            json={"version_fingerprint": fingerprint, "update_mask": "versionFingerprint"},
        )
    assert made.status_code == 200, made.text
    channel: dict[str, Any] = made.json()["channel"]
    return channel


def _lineage(api: ApiClient, name: str) -> dict[str, Any]:
    """A parent bucket with v1, v2 and `prod` moved v1 -> v2, and a child built from v2
    through `prod`."""
    parent, child = f"{name}-base", f"{name}-app"
    v1 = push(api, parent, f"{name}-p1")
    v2 = push(api, parent, f"{name}-p2")
    _channel(api, parent, "prod", f"{name}-p1")
    prod = _channel(api, parent, "prod", f"{name}-p2")
    kid = push(api, child, f"{name}-c1", parent=(v2["id"], prod["id"]))
    return {"parent": parent, "child": child, "v1": v1, "v2": v2, "kid": kid}


def _preview(api: ApiClient, bucket: str, **body: Any) -> httpx.Response:
    return api.post(ext(api) + f"/buckets/{bucket}/revocation-preview", json=body)


def _state(api: ApiClient, bucket: str, fingerprint: str) -> dict[str, Any]:
    got = api.get(api.v2 + f"/buckets/{bucket}/versions/{fingerprint}")
    assert got.status_code == 200, got.text
    version: dict[str, Any] = got.json()["version"]
    return version


def test_the_preview_is_what_the_revoke_then_does(admin: ApiClient, name: str) -> None:
    world = _lineage(admin, name)
    parent, child = world["parent"], world["child"]
    answer = _preview(admin, parent, versions=[f"{name}-p2"], revoke_at=PAST, reason="CVE")
    assert answer.status_code == 200, answer.text
    plan = answer.json()
    assert [
        (item["bucket_name"], item["fingerprint"], item["inherited"])
        for item in plan["revoked_versions"]
    ] == [(parent, f"{name}-p2", False), (child, f"{name}-c1", True)]
    assert [
        (m["channel_name"], m["from_version"]["name"], m["to_version"]["name"])
        for m in plan["channel_moves"]
    ] == [("latest", "v2", "v1"), ("prod", "v2", "v1")]
    assert [
        (c["bucket_name"], c["fingerprint"], c["parent_bucket_name"], c["parent_channel_name"])
        for c in plan["out_of_date_children"]
    ] == [(child, f"{name}-c1", parent, "prod")]
    # Nothing was written.
    assert _state(admin, parent, f"{name}-p2")["status"] == "VERSION_ACTIVE"
    prod = admin.get(admin.v2 + f"/buckets/{parent}/channels/prod").json()["channel"]
    assert prod["version"]["fingerprint"] == f"{name}-p2"

    revoked = admin.patch(
        admin.v2 + f"/buckets/{parent}/versions/{name}-p2",
        json={"revoke_at": PAST, "revocation_message": "CVE"},
    )
    assert revoked.status_code == 200, revoked.text
    for item in plan["revoked_versions"]:
        state = _state(admin, item["bucket_name"], item["fingerprint"])
        assert state["status"] == "VERSION_REVOKED"
        assert state["revoke_at"] == item["revoke_at"]
        assert (state["revocation_type"] == "INHERITED") == item["inherited"]
    for move in plan["channel_moves"]:
        now = admin.get(
            admin.v2 + f"/buckets/{move['bucket_name']}/channels/{move['channel_name']}"
        ).json()["channel"]
        assert now["version"]["id"] == move["to_version"]["id"]
    ancestry = admin.get(
        admin.v2 + f"/buckets/{parent}/ancestry", params={"type": "ANCESTRY_TYPE_CHILDREN"}
    )
    statuses = {a["child"]["version_id"]: a["status"] for a in ancestry.json()["relations"]}
    for item in plan["out_of_date_children"]:
        assert statuses[item["version_id"]] == "OUT_OF_DATE"


def test_a_preview_of_several_versions_rolls_back_past_each(admin: ApiClient, name: str) -> None:
    world = _lineage(admin, name)
    parent = world["parent"]
    plan = _preview(
        admin, parent, versions=[world["v2"]["id"], f"{name}-p1"], skip_descendants_revocation=True
    ).json()
    assert [(v["fingerprint"], v["inherited"]) for v in plan["revoked_versions"]] == [
        (f"{name}-p2", False),
        (f"{name}-p1", False),
    ]
    moves = [
        (m["channel_name"], m["from_version"]["name"], (m["to_version"] or {}).get("name"))
        for m in plan["channel_moves"]
    ]
    # Each channel on v2 goes back to v1, then off v1 with nothing earlier left to go to.
    assert moves == [
        ("latest", "v2", "v1"),
        ("prod", "v2", "v1"),
        ("latest", "v1", None),
        ("prod", "v1", None),
    ]
    assert plan["out_of_date_children"][0]["bucket_name"] == world["child"]


def test_a_preview_without_rollback_moves_no_channel(admin: ApiClient, name: str) -> None:
    world = _lineage(admin, name)
    plan = _preview(admin, world["parent"], versions=[f"{name}-p2"], rollback_channels=False)
    assert plan.json()["channel_moves"] == []


def test_bad_previews_are_refused_and_write_nothing(admin: ApiClient, name: str) -> None:
    world = _lineage(admin, name)
    parent = world["parent"]
    error(_preview(admin, parent, versions=[]), 400, 3)
    error(_preview(admin, parent, versions=["no-such-version"]), 404, 5)
    error(_preview(admin, parent, versions=[f"{name}-p2"], revoke_at=PAST, revoke_in="1h"), 400, 3)
    error(_preview(admin, parent, versions=[f"{name}-p2"], revoke_at="yesterday"), 400, 3)
    error(_preview(admin, parent, versions=[f"{name}-p2"], revoke_in="soon"), 400, 3)
    error(_preview(admin, parent, versions=[f"{name}-p2"], colour="red"), 400, 3)
    error(_preview(admin, f"{name}-nope", versions=[f"{name}-p2"]), 404, 5)
    admin.patch(admin.v2 + f"/buckets/{parent}/versions/{name}-p1", json={"revoke_at": PAST})
    error(_preview(admin, parent, versions=[f"{name}-p1"]), 400, 9)
    assert _state(admin, parent, f"{name}-p2")["status"] == "VERSION_ACTIVE"


def test_a_viewer_may_not_preview(viewer: ApiClient, admin: ApiClient, name: str) -> None:
    world = _lineage(admin, name)
    error(_preview(viewer, world["parent"], versions=[f"{name}-p2"]), 403, 7)


def test_an_artifact_is_found_by_its_identifier(viewer: ApiClient, admin: ApiClient, name: str):
    component = f"aws.{name}"
    pushed = push(admin, name, f"{name}-1", components=(component,))
    found = viewer.get(
        ext(viewer) + "/artifacts", params={"external_identifier": f"img-{component}"}
    )
    assert found.status_code == 200, found.text
    assert found.json()["artifacts"] == [
        {
            "bucket_name": name,
            "version_id": pushed["id"],
            "version_fingerprint": f"{name}-1",
            "version_name": "v1",
            "build_id": pushed["builds"][0]["id"],
            "platform": "aws",
            "region": "r1",
            "external_identifier": f"img-{component}",
            "revoked": False,
        }
    ]
    for query in ({"region": "r2"}, {"platform": "gce"}):
        elsewhere = viewer.get(
            ext(viewer) + "/artifacts", params={"external_identifier": f"img-{component}", **query}
        )
        assert elsewhere.json() == {"artifacts": []}
    error(viewer.get(ext(viewer) + "/artifacts"), 400, 3)


def test_two_versions_are_compared_build_by_build(viewer: ApiClient, admin: ApiClient, name: str):
    first = push(admin, name, f"{name}-1", components=("null.a", "file.b"))
    push(admin, name, f"{name}-2", components=("null.a", "docker.c"))
    path = ext(viewer) + f"/buckets/{name}/versions/{first['id']}/diff/{name}-2"
    answer = viewer.get(path)
    assert answer.status_code == 200, answer.text
    diff = answer.json()
    assert (diff["from"]["name"], diff["to"]["name"]) == ("v1", "v2")
    changes = {b["component_type"]: b["change"] for b in diff["builds"]}
    assert changes == {"docker.c": "added", "file.b": "removed", "null.a": "unchanged"}
    added = next(b for b in diff["builds"] if b["component_type"] == "docker.c")
    assert added["artifacts_added"] == [{"region": "r1", "external_identifier": "img-docker.c"}]
    assert added["labels"]["added"] == {"component": "docker.c"}
    error(viewer.get(ext(viewer) + f"/buckets/{name}/versions/{name}-1/diff/nope"), 404, 5)


def test_the_document_is_served_without_credentials(live_server: LiveServer) -> None:
    served = httpx.get(live_server.base_url + "/packyard/v1/openapi.yaml", verify=live_server.tls())
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/yaml")
    assert yaml.safe_load(served.text) == yaml.safe_load(EXTENSION_SPEC.read_text())


def test_the_channel_history_says_why_each_move_was_made(
    viewer: ApiClient, admin: ApiClient, name: str
) -> None:
    world = _lineage(admin, name)
    parent = world["parent"]
    made = admin.post(admin.v2 + f"/buckets/{parent}/channels", json={"name": "staging"})
    assert made.status_code == 200, made.text
    copied = admin.post(
        admin.v2 + f"/buckets/{parent}/channels/assign",
        json={"source_channel": "prod", "target_channel": "staging"},
    )
    assert copied.status_code == 200, copied.text
    revoked = admin.patch(
        admin.v2 + f"/buckets/{parent}/versions/{name}-p2",
        json={"revoke_at": PAST, "revocation_message": "CVE"},
    )
    assert revoked.status_code == 200, revoked.text

    def why(channel: str) -> list[tuple[str, str, str]]:
        return history_why(viewer, parent, channel)

    assert why("prod") == [("rollback", "v2", "v1"), ("manual", "v1", "v2"), ("created", "", "v1")]
    assert why("staging") == [("rollback", "v2", ""), ("manual", "", "v2")]
    assert why("latest") == [
        ("rollback", "v2", "v1"),
        ("completed", "v1", "v2"),
        ("completed", "", "v1"),
    ]
    missing = viewer.get(ext(viewer) + f"/buckets/{parent}/channels/nowhere/history")
    error(missing, 404, 5)
