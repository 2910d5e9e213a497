"""`packyard channel|resolve|revoke|revocation` against a live server, in text and JSON."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.cli.conftest import field, push


def _serves(api, bucket: str, channel: str) -> str | None:
    found = api.get(api.v2 + f"/buckets/{bucket}/channels/{channel}").json()["channel"]
    return (found.get("version") or {}).get("fingerprint")


def test_channel_ls_create_assign_access_delete(cli, api, pushed):
    bucket = pushed["bucket"]
    listed = {item["name"]: item for item in cli.json("channel", "ls", bucket)["channels"]}
    assert listed["production"]["version"]["fingerprint"] == "fp-1"
    assert listed["latest"]["managed"] is True
    text = cli.ok("channel", "ls", bucket)
    assert "production" in text and "v1 (fp-1)" in text
    assert cli.ok("channel", "create", bucket, "canary", "--version", "v2") == (
        f'created channel "canary" on "{bucket}" serving v2 (fp-2)\n'
    )
    created = cli.json("channel", "create", bucket, "empty", "--restricted")
    assert (created["name"], created["restricted"], created.get("version")) == (
        "empty",
        True,
        None,
    )
    assert cli.ok("channel", "assign", bucket, "empty", "fp-1") == '"empty" now serves v1 (fp-1)\n'
    assert cli.json("channel", "assign", bucket, "canary", "v1")["version"]["fingerprint"] == "fp-1"
    assert _serves(api, bucket, "canary") == "fp-1"
    assert cli.ok("channel", "access", bucket, "empty", "--unrestricted") == (
        '"empty" is unrestricted\n'
    )
    assert cli.json("channel", "access", bucket, "canary", "--restricted")["restricted"] is True
    assert cli.ok("channel", "delete", bucket, "empty", "--yes") == (
        f'deleted channel "empty" of "{bucket}"\n'
    )
    assert cli.json("channel", "delete", bucket, "canary", "--yes") == {
        "deleted": "canary",
        "bucket_name": bucket,
    }
    left = api.get(api.v2 + f"/buckets/{bucket}/channels").json()["channels"]
    names = [item["name"] for item in left]
    assert "empty" not in names and "canary" not in names


def test_promote_and_history(cli, api, pushed):
    bucket = pushed["bucket"]
    assert cli.ok("channel", "promote", bucket, "--from", "staging", "--to", "production") == (
        '"production" now serves v2 (fp-2) (from "staging")\n'
    )
    assert _serves(api, bucket, "production") == "fp-2"
    cli.ok("channel", "assign", bucket, "production", "v1")
    promoted = cli.json("channel", "promote", bucket, "--from", "staging", "--to", "production")
    assert promoted["target_channel"]["version"]["fingerprint"] == "fp-2"
    history = cli.json("channel", "history", bucket, "production")["history"]
    assert [item["version"]["fingerprint"] for item in history] == ["fp-2", "fp-1", "fp-2", "fp-1"]
    text = cli.ok("channel", "history", bucket, "production")
    assert text.count("v2 (fp-2)") == 2 and text.count("v1 (fp-1)") == 2


def test_history_says_a_promotion_is_manual_and_a_revocation_rolls_back(cli, api, pushed):
    bucket = pushed["bucket"]
    cli.ok("channel", "promote", bucket, "--from", "staging", "--to", "production")
    cli.ok("revoke", bucket, "v2", "--reason", "CVE-2", "--yes")
    history = cli.json("channel", "history", bucket, "production", "--why")["history"]
    assert [
        (item["reason"], (item["from_version"] or {}).get("name"), item["version"]["name"])
        for item in history
    ] == [("rollback", "v2", "v1"), ("manual", "v1", "v2"), ("created", None, "v1")]
    assert "reason" not in cli.json("channel", "history", bucket, "production")["history"][0]
    text = cli.ok("channel", "history", bucket, "production", "--why")
    assert re.findall(r"\b(why|rollback|manual|created)\b", text) == [
        "why",
        "rollback",
        "manual",
        "created",
    ]


def test_resolve(cli, api, pushed):
    bucket = pushed["bucket"]
    assert cli.ok("resolve", bucket, "production", "--platform", "aws", "--region", "r1") == (
        f"aws-{bucket}-fp-1\n"
    )
    found = cli.json("resolve", bucket, "staging", "--platform", "docker", "--region", "r1")
    assert (found["external_identifier"], found["version_name"], found["revoked"]) == (
        f"docker-{bucket}-fp-2",
        "v2",
        False,
    )
    assert "no aws artifact in r2" in cli.fails(
        3, "resolve", bucket, "production", "--platform", "aws", "--region", "r2"
    )
    cli.fails(3, "resolve", bucket, "nothing", "--platform", "aws", "--region", "r1")


def test_revoke_now_and_restore(cli, api, pushed):
    bucket = pushed["bucket"]
    cli.ok("channel", "assign", bucket, "production", "v2")
    revoked = cli.json("revoke", bucket, "v2", "--reason", "CVE-1", "--yes")["versions"]
    assert [(item["fingerprint"], item["status"]) for item in revoked] == [
        ("fp-2", "VERSION_REVOKED")
    ]
    assert revoked[0]["revocation_message"] == "CVE-1"
    assert _serves(api, bucket, "production") == "fp-1"  # rolled back
    assert _serves(api, bucket, "staging") is None  # it never served anything else
    assert "serves no version" in cli.fails(
        3, "resolve", bucket, "staging", "--platform", "aws", "--region", "r1"
    )
    shown = cli.ok("version", "show", bucket, "v2")
    assert field(shown, "status") == "REVOKED" and field(shown, "reason") == "CVE-1"
    assert "revoked already" in cli.fails(4, "revoke", bucket, "v2", "--yes")
    restored = cli.ok("revocation", "restore", bucket, "v2")
    assert "fp-2" in restored and "ACTIVE" in restored
    assert cli.json("version", "show", bucket, "fp-2")["status"] == "VERSION_ACTIVE"
    assert "is not revoked" in cli.fails(4, "revocation", "restore", bucket, "v2")


def test_revoke_several_later_and_cancel(cli, api, pushed):
    bucket = pushed["bucket"]
    text = cli.ok("revoke", bucket, "v1", "fp-2", "--in", "30d", "--no-rollback", "--yes")
    assert "scheduled" in text and "fp-1" in text and "fp-2" in text
    for fingerprint in ("fp-1", "fp-2"):
        version = api.get(api.v2 + f"/buckets/{bucket}/versions/{fingerprint}").json()["version"]
        moment = datetime.fromisoformat(version["revoke_at"].replace("Z", "+00:00"))
        assert timedelta(days=29) < moment - datetime.now(UTC) < timedelta(days=31)
        assert version["status"] == "VERSION_REVOCATION_SCHEDULED"
    cancelled = cli.json("revocation", "cancel", bucket, "v1", "v2")["versions"]
    assert [item.get("revoke_at") for item in cancelled] == [None, None]
    assert "no scheduled revocation" in cli.fails(4, "revocation", "cancel", bucket, "v1")
    later = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    at = later.isoformat().replace("+00:00", "Z")
    scheduled = cli.json("revoke", bucket, "v1", "--at", at, "--yes")["versions"][0]
    assert scheduled["revoke_at"].startswith(at[:19])
    cli.ok("revoke", bucket, "v2", "--no-rollback", "--yes")
    assert _serves(api, bucket, "staging") == "fp-2"
    assert "revocation restore" in cli.fails(4, "revocation", "cancel", bucket, "v2")
    # a channel on a revoked version resolves, unless --exclude-revoked
    found = cli.json("resolve", bucket, "staging", "--platform", "aws", "--region", "r1")
    assert found["revoked"] is True
    assert "revoked" in cli.fails(
        3, "resolve", bucket, "staging", "--platform", "aws", "--region", "r1", "--exclude-revoked"
    )


def test_revoke_passes_on_to_descendants_unless_told(cli, api, pushed, name):
    parent = pushed["bucket"]
    production = api.get(api.v2 + f"/buckets/{parent}/channels/production").json()["channel"]
    child = f"{name}-child"
    lineage = {"parent_version_id": pushed["v1"]["id"], "parent_channel_id": production["id"]}
    push(api, child, "c-1", platforms=("aws",), parent=lineage)
    cli.ok("revoke", parent, "v1", "--no-descendants", "--yes")
    assert cli.json("version", "show", child, "c-1")["status"] == "VERSION_ACTIVE"
    cli.ok("revocation", "restore", parent, "v1")
    cli.ok("revoke", parent, "v1", "--yes")
    inherited = cli.json("version", "show", child, "c-1")
    assert inherited["status"] == "VERSION_REVOKED"
    assert inherited["revocation_inherited_from"]["bucket_name"] == parent
