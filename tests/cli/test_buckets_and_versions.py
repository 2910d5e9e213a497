"""`packyard bucket|version|build|sbom|ancestry` against a live server, in text and JSON."""

from __future__ import annotations

import json

from tests.cli.conftest import SPDX, field, push, snapshot, upload_sbom


def test_bucket_create_ls_show_label(cli, api, name):
    assert cli.ok("bucket", "create", name, "--description", "web", "--label", "team=a") == (
        f'created bucket "{name}"\n'
    )
    created = cli.json("bucket", "show", name)
    assert (created["name"], created["description"], created["labels"]) == (
        name,
        "web",
        {"team": "a"},
    )
    text = cli.ok("bucket", "show", name)
    assert (field(text, "name"), field(text, "labels")) == (name, "team=a")
    listed = cli.json("bucket", "ls")["buckets"]
    assert name in [item["name"] for item in listed]
    assert name in cli.ok("bucket", "ls")
    labelled = cli.json("bucket", "ls", "--label", "team=a")["buckets"]
    assert name in [item["name"] for item in labelled]
    assert all(item["labels"].get("team") == "a" for item in labelled)
    assert name not in cli.ok("bucket", "ls", "--label", "team=b")
    # label: the other labels stay, --remove takes one away
    assert cli.ok("bucket", "label", name, "os=linux") == (
        f'bucket "{name}" labels: os=linux, team=a\n'
    )
    labelled = cli.json("bucket", "label", name, "--remove", "team", "--description", "new")
    assert (labelled["labels"], labelled["description"]) == ({"os": "linux"}, "new")
    assert api.get(api.v2 + f"/buckets/{name}").json()["bucket"]["labels"] == {"os": "linux"}


def test_bucket_create_json_and_delete(cli, api, name):
    assert cli.json("bucket", "create", name)["name"] == name
    assert cli.json("bucket", "delete", name, "--yes") == {"deleted": name}
    assert snapshot(api, name) is None
    cli.ok("bucket", "create", name)
    assert cli.ok("bucket", "delete", name, input="y\n").endswith(f'deleted bucket "{name}"\n')
    assert snapshot(api, name) is None


def test_bucket_ls_follows_every_page(cli, api, name):
    for index in range(105):  # more than one page of 100
        assert api.put(api.v2 + "/buckets", json={"name": f"{name}-{index}"}).status_code == 200
    listed = [item["name"] for item in cli.json("bucket", "ls")["buckets"]]
    assert {f"{name}-{index}" for index in range(105)} <= set(listed)
    assert len(listed) == len(set(listed))


def test_version_ls_show_and_builds(cli, api, pushed):
    bucket, v2 = pushed["bucket"], pushed["v2"]
    listed = cli.json("version", "ls", bucket)["versions"]
    assert [item["fingerprint"] for item in listed] == ["fp-2", "fp-1"]
    text = cli.ok("version", "ls", bucket)
    assert "fp-1" in text and "fp-2" in text and "ACTIVE" in text
    # by fingerprint, by name and by id
    for ref in ("fp-2", "v2", v2["id"]):
        assert cli.json("version", "show", bucket, ref)["id"] == v2["id"]
    shown = cli.ok("version", "show", bucket, "v2")
    assert field(shown, "fingerprint") == "fp-2" and f"aws-{bucket}-fp-2" in shown
    build = v2["builds"][0]
    got = cli.json("build", "show", bucket, "v2", build["id"])
    assert got["id"] == build["id"] and got["artifacts"][0]["region"] == "r1"
    text = cli.ok("build", "show", bucket, "fp-2", build["id"])
    assert field(text, "platform") == build["platform"]
    assert build["artifacts"][0]["external_identifier"] in text


def test_sbom_ls_and_get(cli, api, pushed, tmp_path):
    bucket, build = pushed["bucket"], pushed["v1"]["builds"][0]
    upload_sbom(api, bucket, "fp-1", build["id"])
    assert cli.json("sbom", "ls", bucket, "v1", build["id"])["sboms"][0]["name"] == "os"
    assert "SPDX" in cli.ok("sbom", "ls", bucket, "v1", build["id"])
    assert json.loads(cli.ok("sbom", "get", bucket, "v1", build["id"], "os")) == SPDX
    target = tmp_path / "os.json"
    cli.ok("sbom", "get", bucket, "v1", build["id"], "os", "--output", str(target))
    assert json.loads(target.read_text()) == SPDX
    url = cli.json("sbom", "get", bucket, "v1", build["id"], "os")["download_url"]
    assert url.endswith("/sboms/os/download")


def test_version_delete(cli, api, pushed):
    bucket = pushed["bucket"]
    push(api, bucket, "fp-3")
    assert cli.json("version", "delete", bucket, "fp-3", "--yes") == {
        "deleted": "fp-3",
        "bucket_name": bucket,
    }
    fourth = push(api, bucket, "fp-4")["name"]
    deleted = cli.ok("version", "delete", bucket, fourth, "--yes")
    assert f"deleted version {fourth} (fp-4)" in deleted
    left = [item["fingerprint"] for item in snapshot(api, bucket)["versions"]]
    assert left == ["fp-1", "fp-2"]


def test_version_delete_rolls_channels_back(cli, api, pushed):
    bucket = pushed["bucket"]
    production = api.v2 + f"/buckets/{bucket}/channels/production"
    moved = api.patch(
        production, json={"version_fingerprint": "fp-2", "update_mask": "versionFingerprint"}
    )
    assert moved.status_code == 200, moved.text
    cli.ok("version", "delete", bucket, "fp-2", "--rollback-channels", "--yes")
    assert api.get(production).json()["channel"]["version"]["fingerprint"] == "fp-1"


def test_ancestry(cli, api, pushed, name):
    parent = pushed["bucket"]
    production = api.get(api.v2 + f"/buckets/{parent}/channels/production").json()["channel"]
    child = f"{name}-child"
    push(
        api,
        child,
        "c-1",
        platforms=("aws",),
        parent={"parent_version_id": pushed["v1"]["id"], "parent_channel_id": production["id"]},
    )
    relations = cli.json("ancestry", parent, "--type", "children")["relations"]
    assert [(item["child"]["bucket_name"], item["status"]) for item in relations] == [
        (child, "UP_TO_DATE")
    ]
    text = cli.ok("ancestry", child)
    assert "UP_TO_DATE" in text and f"{parent} v1" in text and "production" in text
    cli.ok("channel", "assign", parent, "production", "v2")
    assert "OUT_OF_DATE" in cli.ok("ancestry", child, "--type", "parents")
