"""The version page lists the vulnerabilities of the packages its SBOMs name, from the
operator's OSV database, and says so plainly when no database is imported. On a server of its
own, since an import on the shared server would change what every other test sees."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.api.conftest import push
from tests.api.tenants import sbom_body
from tests.e2e.test_console_browser import browser as browser  # fixture
from tests.e2e.test_console_browser import new_context, sign_in, visit
from tests.support.people import new_person
from tests.support.server import packyard, running_server

pytestmark = pytest.mark.e2e


def _osv(identifier: str, events: list[dict[str, str]], severity: str) -> dict[str, object]:
    return {
        "id": identifier,
        "summary": "zlib inflates what it should not",
        "published": "2024-01-02T03:04:05Z",
        "affected": [
            {
                "package": {"ecosystem": "Debian", "name": "zlib"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        "database_specific": {"severity": severity},
    }


def test_the_version_page_lists_its_vulnerabilities(tmp_path: Path, browser: Browser) -> None:
    with running_server(tmp_path) as server:
        api = server.api("admin")
        bucket = f"vulns-{uuid.uuid4().hex[:8]}"
        push(api, bucket, "v-1")
        build = api.get(api.v2 + f"/buckets/{bucket}/versions/v-1/builds").json()["builds"][0]
        sboms = api.v2 + f"/buckets/{bucket}/versions/v-1/builds/{build['id']}/sboms"
        assert api.put(sboms, json=sbom_body("os")).status_code == 200
        context = new_context(browser)
        page = context.new_page()
        sign_in(page, server, new_person(server, "viewer"))
        version = (
            f"{server.base_url}/organizations/{server.org_id}/projects/{server.project_id}"
            f"/buckets/{bucket}/versions/v-1"
        )
        page.goto(version)
        expect(page.locator("#no-vulndb")).to_contain_text("No vulnerability database is imported")

        # zlib 1 (the SBOM's) is affected by the first record; the second was fixed before it.
        records = [
            _osv(f"{bucket}-A", [{"introduced": "0"}, {"fixed": "1.2"}], "HIGH"),
            _osv(f"{bucket}-B", [{"introduced": "0"}, {"fixed": "0.9"}], "CRITICAL"),
        ]
        (tmp_path / "osv.json").write_text(json.dumps(records))
        imported = packyard(
            "vulndb", "import", str(tmp_path / "osv.json"), data_dir=server.data_dir
        )
        assert "imported 2" in imported.stdout
        page.goto(version)
        rows = page.locator("#version-vulnerabilities tbody tr")
        expect(rows).to_have_count(1)
        cells = rows.first.locator("td").all_inner_texts()
        assert cells[0].startswith(f"{bucket}-A") and cells[1:] == ["high", "zlib 1", "1.2"]
        visit(page, "version-vulnerabilities")
        context.close()
