"""The commands HCP has no operation for, over the /packyard/v1 extension: `version diff`,
`find` and `revoke --dry-run` (whose preview must be what the revoke then does)."""

from __future__ import annotations

from tests.cli.conftest import push, snapshot


def test_version_diff(cli, api, pushed):
    bucket = pushed["bucket"]
    diff = cli.json("version", "diff", bucket, "fp-1", "fp-2")
    assert (diff["from"]["fingerprint"], diff["to"]["fingerprint"]) == ("fp-1", "fp-2")
    by_component = {item["component_type"]: item for item in diff["builds"]}
    assert set(by_component) == {"aws.x", "docker.x"}
    aws = by_component["aws.x"]
    assert aws["artifacts_added"] == [{"region": "r1", "external_identifier": f"aws-{bucket}-fp-2"}]
    assert aws["artifacts_removed"] == [
        {"region": "r1", "external_identifier": f"aws-{bucket}-fp-1"}
    ]
    text = cli.ok("version", "diff", bucket, pushed["v1"]["id"], "fp-2")
    assert text.startswith("v1 (fp-1) -> v2 (fp-2)")
    assert f"+r1: aws-{bucket}-fp-2" in text and f"-r1: aws-{bucket}-fp-1" in text
    cli.fails(3, "version", "diff", bucket, "fp-1", "fp-none")


def test_find(cli, api, pushed):
    bucket = pushed["bucket"]
    found = cli.json("find", f"aws-{bucket}-fp-1")["artifacts"]
    assert [
        (item["bucket_name"], item["version_fingerprint"], item["revoked"]) for item in found
    ] == [(bucket, "fp-1", False)]
    assert found[0]["build_id"] == next(
        build["id"] for build in pushed["v1"]["builds"] if build["platform"] == "aws"
    )
    text = cli.ok("find", f"docker-{bucket}-fp-2", "--platform", "docker", "--region", "r1")
    assert bucket in text and "fp-2" in text
    assert "no artifact" in cli.fails(3, "find", f"docker-{bucket}-fp-2", "--platform", "aws")
    cli.fails(3, "find", "ami-nowhere")


def test_revoke_dry_run_is_what_the_revoke_does(cli, api, pushed, name):
    parent = pushed["bucket"]
    cli.ok("channel", "assign", parent, "production", "v2")
    staging = api.get(api.v2 + f"/buckets/{parent}/channels/staging").json()["channel"]
    child = f"{name}-child"
    lineage = {"parent_version_id": pushed["v2"]["id"], "parent_channel_id": staging["id"]}
    push(api, child, "c-1", platforms=("aws",), parent=lineage)
    before = {bucket: snapshot(api, bucket) for bucket in (parent, child)}

    plan = cli.json("revoke", parent, "v2", "--reason", "CVE-2", "--dry-run")
    text = cli.ok("revoke", parent, "v2", "--dry-run")
    assert {bucket: snapshot(api, bucket) for bucket in (parent, child)} == before
    revoked = {
        (item["bucket_name"], item["fingerprint"], item["inherited"])
        for item in plan["revoked_versions"]
    }
    assert revoked == {(parent, "fp-2", False), (child, "c-1", True)}
    moves = {
        (
            item["channel_name"],
            item["from_version"]["fingerprint"],
            (item["to_version"] or {}).get("fingerprint"),
        )
        for item in plan["channel_moves"]
    }
    assert moves == {
        ("latest", "fp-2", "fp-1"),
        ("production", "fp-2", "fp-1"),
        ("staging", "fp-2", None),
    }
    assert "Nothing was changed" in text and "(nothing)" in text and "inherited" in text
    assert "latest" in text

    cli.ok("revoke", parent, "v2", "--reason", "CVE-2", "--yes")
    after = {
        item["name"]: (item.get("version") or {}).get("fingerprint")
        for item in snapshot(api, parent)["channels"]
    }
    assert after == {"latest": "fp-1", "production": "fp-1", "staging": None}
    assert cli.json("version", "show", child, "c-1")["status"] == "VERSION_REVOKED"
