"""The audit trail: every acknowledged change, with who, what, where, when and from where."""

from __future__ import annotations

import json
from pathlib import Path

from tests.api.conftest import push
from tests.support.server import packyard, running_server


def audit(data_dir: Path, *args: str) -> list[dict[str, str]]:
    events: list[dict[str, str]] = json.loads(
        packyard("audit", "--json", *args, data_dir=data_dir).stdout
    )
    return events


def test_mutations_are_recorded_with_their_author_and_reads_are_not(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        writer = server.principal("contributor", name="pipeline")
        api = server.api(principal=writer)
        before = len(audit(server.data_dir))
        iteration = push(api, "audited", "fp-1", components=("null.a",))
        assert api.get(api.v1 + "/images/audited").status_code == 200
        clash = api.put(api.v1 + "/images", json={"bucket_slug": "audited"})
        assert clash.status_code == 409  # refused: nothing was changed, nothing is recorded
        denied = server.api("viewer").delete(api.v1 + "/images/audited")
        assert denied.status_code == 403

        events = [e for e in audit(server.data_dir)[before:] if e["method"] != "CLI"]
        operations = [event["operation"] for event in events]
        assert operations == [
            "CreateBucket",
            "CreateIteration",
            "CreateBuild",
            "UpdateBuild",
            "UpdateBuild",
        ]
        for event in events:
            assert event["actor_name"] == "pipeline"
            assert event["project_id"] == server.project_id
            assert event["organization_id"] == server.org_id
            assert event["source"] == "127.0.0.1"
            assert event["occurred_at"]
        assert events[1]["resource"].endswith("/images/audited/iterations")
        assert events[2]["resource"].endswith(f"/iterations/{iteration['id']}")
        assert [event["method"] for event in events] == ["PUT", "POST", "POST", "PATCH", "PATCH"]


def test_console_changes_are_recorded_and_since_filters(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        server.principal("viewer", name="reader")
        packyard("principal", "rotate", "reader", data_dir=server.data_dir)
        packyard("principal", "delete", "reader", data_dir=server.data_dir)
        events = [e for e in audit(server.data_dir) if e["resource"] == "principal/reader"]
        assert [e["operation"] for e in events] == [
            "principal.create",
            "principal.rotate",
            "principal.delete",
        ]
        assert all(e["actor_id"].startswith("cli:") and e["method"] == "CLI" for e in events)
        assert audit(server.data_dir, "--since", "2999-01-01") == []
        assert len(audit(server.data_dir, "--since", events[0]["occurred_at"])) >= 3
        assert len(audit(server.data_dir, "--limit", "1")) == 1
        table = packyard("audit", data_dir=server.data_dir).stdout
        assert "principal.delete" in table
        bad = packyard("audit", "--since", "yesterday-ish", data_dir=server.data_dir, check=False)
        assert bad.returncode == 2
        assert "Traceback" not in bad.stderr


def test_names_are_shown_as_written_not_as_console_markup(tmp_path: Path) -> None:
    principal = "[bold red]x[i]"  # rich markup (a name may not hold "/", so no [/])
    with running_server(tmp_path) as server:
        writer = server.principal("contributor", name=principal)
        api = server.api(principal=writer)
        assert api.put(api.v1 + "/images", json={"bucket_slug": "marked"}).status_code == 200
        table = packyard("audit", data_dir=server.data_dir).stdout
        assert f"principal/{principal} " in table  # the console's change names it
        assert f"│ {principal} │ CreateBucket" in table  # and it made the API's
        listed = packyard("principal", "list", data_dir=server.data_dir).stdout
        assert f"│ {principal} │ contributor" in listed
