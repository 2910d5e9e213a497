"""The console in a real browser (Debian's chromium, driven by Playwright), on what a real
Packer build pushed: a person signs in, finds the bucket, promotes a version, sees it in the
channel's history, previews a revocation and checks the preview against what then happens,
restores (which moves no channel forward again), with Packer reading the channels at each
step. axe-core checks every page (no serious or critical violation), and every page's
screenshot is saved to docs/console/."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.api.conftest import push
from tests.api.tenants import BLOCK, SPDX, sbom_body
from tests.e2e.test_packer_19 import assert_echoed
from tests.e2e.test_packer_current import E2E23, build_two_sources
from tests.e2e.test_packer_current import admin_api as admin_api  # fixtures
from tests.e2e.test_packer_current import packer_bin as packer_bin
from tests.support.browser import SCREENSHOTS, chromium, serious_violations
from tests.support.people import Person, new_person
from tests.support.server import ApiClient, LiveServer, Principal

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    settings: dict[str, Any] = {
        "ignore_https_errors": True,
        "viewport": {"width": 1200, "height": 900},
    }
    settings.update(options)
    return browser.new_context(**settings)


def visit(page: Page, shot: str | None = None) -> None:
    """Check the page as it is now: no serious accessibility violation; save its picture."""
    page.wait_for_load_state("load")
    violations = serious_violations(page)
    assert not violations, f"{page.url}: {violations}"
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)


def sign_in(page: Page, server: LiveServer, who: Person) -> None:
    page.goto(server.base_url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("User name").fill(who.name)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Home")).to_be_visible()


def notice(page: Page) -> str:
    return page.locator(".notice").inner_text()


def problem(page: Page) -> str:
    return page.locator(".error").inner_text()


def read_channel(e2e: E2E23, via: Path, bucket: str, channel: str) -> str:
    run = e2e.build_ok("-var", f"bucket={bucket}", "-var", f"channel={channel}", ".", cwd=via)
    found = re.search(r"VIA_CHANNEL_VERSION_ID=(\S+)", run.stdout)
    assert found, run.stdout
    return found.group(1)


@pytest.fixture
def e2e(
    live_server: LiveServer, packer_bin: Path, tmp_path: Path, admin_api: ApiClient
) -> Iterator[E2E23]:
    """A Packer workspace (test_packer_current's) with a contributor key of its own."""
    env = live_server.client_env("contributor")
    yield E2E23(live_server, packer_bin, tmp_path, env, admin_api)
    shutil.rmtree(env["HOME"], ignore_errors=True)


def test_a_person_promotes_revokes_with_a_preview_and_restores(
    e2e: E2E23, live_server: LiveServer, browser: Browser
) -> None:
    bucket = f"console-{uuid.uuid4().hex[:8]}"
    build_two_sources(e2e, bucket, "fp-1")
    build_two_sources(e2e, bucket, "fp-2")
    v1, v2 = (e2e.version(bucket, fp) for fp in ("fp-1", "fp-2"))
    person = new_person(live_server, "admin")
    context = new_context(browser)
    page = context.new_page()
    page.goto(live_server.base_url + "/")
    visit(page, "signin")
    sign_in(page, live_server, person)
    visit(page, "home")

    # Find the bucket with the one search box.
    page.get_by_label("Search buckets, fingerprints, versions, artifact ids").fill(bucket)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=bucket, exact=True)).to_be_visible()
    visit(page, "bucket")
    bucket_url = page.url.split("?")[0]

    # A channel of people, on v1.
    page.get_by_role("link", name=re.compile(r"^Channels")).click()
    visit(page, "channels")
    page.get_by_label("Name", exact=True).fill("production")
    page.get_by_label("Version", exact=True).select_option(label="v1")
    page.get_by_role("button", name="Create channel").click()
    assert notice(page) == "Created channel production."

    # Promote v2 from its page.
    page.goto(bucket_url + "/versions")
    visit(page, "versions")
    page.get_by_role("link", name="v2", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(f"{bucket} v2"))).to_be_visible()
    visit(page, "version")
    page.get_by_label("Promote to channel").select_option("production")
    page.get_by_role("button", name="Promote").click()
    assert notice(page) == "Promoted to production."

    # The promotion is in the channel's history: who, from v1 to v2.
    page.goto(bucket_url + "/channels/production")
    first = page.locator("#channel-history tbody tr").first
    assert first.locator("td").nth(1).inner_text() == person.name
    assert [first.locator("td").nth(i).inner_text() for i in (2, 3)] == ["v1", "v2"]
    assert first.locator("td").nth(4).inner_text() == "manual"
    visit(page, "channel")
    via = e2e.copy_template("artifact-via-channel")
    assert read_channel(e2e, via, bucket, "production") == v2["id"]

    # The revoke dialog: the server's preview before anything is written.
    page.goto(bucket_url + "/versions/fp-2")
    page.get_by_role("link", name="Revoke…").click()
    visit(page, "revoke")
    page.get_by_label("Reason").fill("CVE-2026-0001")
    expect(page.get_by_label("Roll its channels back")).to_be_checked()
    # The preview comes into the dialog as the options change, without leaving it.
    dialog = page.url
    in_place = page.locator("#preview-slot")
    page.get_by_label("Roll its channels back").uncheck()
    expect(in_place.locator("input[name=reason]")).to_have_value("CVE-2026-0001")
    expect(in_place.get_by_text("No channel moves.")).to_be_visible()
    page.get_by_label("Roll its channels back").check()
    expect(in_place.locator("input[name=rollback]")).to_have_value("on")
    expect(in_place.locator("#preview-moves li")).to_have_count(2)
    assert page.url == dialog
    visit(page, "revoke-preview")
    revoked = in_place.locator("#preview-revoked li").all_inner_texts()
    moves = in_place.locator("#preview-moves li").all_inner_texts()
    assert len(revoked) == 1 and revoked[0].startswith(f"{bucket} v2"), revoked
    assert "its own revocation" in revoked[0]
    # The managed `latest` is rolled back like the channel of people.
    assert moves == [f"{bucket} latest: v2 → v1", f"{bucket} production: v2 → v1"], moves
    assert e2e.version(bucket, "fp-2")["status"] == "VERSION_ACTIVE"  # nothing written yet
    page.get_by_label("Type v2 to confirm").fill("v2")
    page.get_by_role("button", name="Revoke", exact=True).click()
    assert notice(page) == "Revoked."

    # What happened is what the preview said.
    assert e2e.version(bucket, "fp-2")["status"] == "VERSION_REVOKED"
    assert e2e.version(bucket, "fp-2")["revocation_message"] == "CVE-2026-0001"
    assert e2e.channel(bucket, "production")["version"]["id"] == v1["id"]
    assert e2e.channel(bucket, "latest")["version"]["id"] == v1["id"]
    page.goto(bucket_url + "/channels/production")
    first = page.locator("#channel-history tbody tr").first
    assert [first.locator("td").nth(i).inner_text() for i in (2, 3)] == ["v2", "v1"]
    assert first.locator("td").nth(4).inner_text() == "rollback"
    assert read_channel(e2e, via, bucket, "production") == v1["id"]

    # Restore, from the version's page.
    page.goto(bucket_url + "/versions/fp-2")
    page.get_by_role("button", name="Restore").click()
    assert notice(page) == "Restored."
    assert e2e.version(bucket, "fp-2")["status"] == "VERSION_ACTIVE"
    # `latest` was rolled back to v1, and restoring moves no channel forward again.
    run = e2e.build_ok("-var", f"bucket={bucket}", ".", cwd=via)
    assert_echoed(run, VIA_CHANNEL_VERSION_ID=v1["id"])

    # The audit trail names the person, on the home page.
    page.get_by_role("link", name="Home").click()
    recent = page.locator("section[aria-labelledby=recent] tbody").inner_text()
    assert person.name in recent and "console.RevokeVersion" in recent

    # Find where an artifact came from, and list buckets by label and platform.
    page.get_by_label("Search buckets, fingerprints, versions, artifact ids").fill("b.txt")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name=bucket, exact=True).first).to_be_visible()
    visit(page, "search")
    page.goto(bucket_url.rsplit("/", 1)[0] + "?label=team%3Dpackyard&platform=null&name=console")
    expect(page.get_by_role("link", name=bucket, exact=True)).to_be_visible()
    visit(page, "buckets")

    # The audit trail, filtered by who, and exported.
    project = bucket_url.rsplit("/", 2)[0]
    page.goto(project + "/audit")
    page.get_by_label("Who (name)").fill(person.name)
    page.get_by_role("button", name="Apply").click()
    trail = page.locator("tbody").inner_text()
    assert "console.PromoteVersion" in trail and "v2023.UpdateBuild" not in trail
    visit(page, "audit")
    exported = context.request.get(page.url + "&format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert "console.RestoreVersion" in exported.text()

    # The run task: its URL, the key revealed on demand, and a new one.
    page.goto(project + "/run-task")
    page.get_by_role("link", name="Reveal the key").click()
    key = page.locator("#run-task-key").inner_text()
    visit(page, "run-task")
    page.get_by_role("button", name="Rotate the key").click()
    assert notice(page).startswith("Made a new HMAC key")
    page.get_by_role("link", name="Reveal the key").click()
    assert page.locator("#run-task-key").inner_text() != key

    # The instance's exports for Packer and Terraform.
    page.get_by_role("link", name="Instance").click()
    exports = page.locator("main").inner_text()
    assert f"export HCP_PROJECT_ID={live_server.project_id}" in exports
    assert "export HCP_SKIP_STATUS_CHECK=true" in exports
    visit(page, "instance")
    context.close()

    # Dark, and at phone width (also what 200% zoom of a small window gives).
    for shot, options in (
        ("home-dark", {"color_scheme": "dark"}),
        ("version-phone", {"viewport": {"width": 390, "height": 844}}),
        ("version-phone-dark", {"viewport": {"width": 390, "height": 844}, "color_scheme": "dark"}),
        # 200% zoom of a 1200 x 900 window: half the CSS pixels, each drawn twice as large.
        ("version-zoom-200", {"viewport": {"width": 600, "height": 450}, "device_scale_factor": 2}),
    ):
        context = new_context(browser, **options)
        page = context.new_page()
        sign_in(page, live_server, person)
        if "version" in shot:
            page.goto(bucket_url + "/versions/fp-2")
        visit(page, shot)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        context.close()


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> dict[str, Any]:
    api = live_server.api("admin")
    bucket = f"forms-{uuid.uuid4().hex[:8]}"
    first = push(api, bucket, "f1")
    push(api, bucket, "f2")
    made = api.post(
        api.v2 + f"/buckets/{bucket}/channels", json={"name": "stable", "version_fingerprint": "f1"}
    )
    assert made.status_code == 200, made.text
    build = api.get(api.v2 + f"/buckets/{bucket}/versions/f2/builds").json()["builds"][0]
    path = api.v2 + f"/buckets/{bucket}/versions/f2/builds/{build['id']}/sboms"
    uploaded = api.put(path, json=sbom_body("image-sbom"))
    assert uploaded.status_code == 200, uploaded.text
    return {"api": api, "bucket": bucket, "v1": first}


def _project(live_server: LiveServer) -> str:
    server = live_server
    return f"{server.base_url}/organizations/{server.org_id}/projects/{server.project_id}"


def _force_submit(page: Page, button: str) -> None:
    """Submit a form whose button the page's script holds disabled (the server checks too)."""
    page.get_by_role("button", name=button).evaluate("b => { b.disabled = false; b.click(); }")


def test_bad_input_on_every_form_is_refused_and_writes_nothing(
    live_server: LiveServer, browser: Browser, seeded: dict[str, Any]
) -> None:
    api: ApiClient = seeded["api"]
    bucket = seeded["bucket"]
    base = _project(live_server) + f"/buckets/{bucket}"
    context = new_context(browser)
    page = context.new_page()
    person = new_person(live_server, "admin")

    page.goto(live_server.base_url + "/signin")
    page.get_by_label("User name").fill(person.name)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert problem(page) == "The user name or password is not right."
    sign_in(page, live_server, person)

    def refused(expected: str) -> None:
        assert expected in problem(page), problem(page)
        visit(page)

    page.goto(base)
    page.get_by_label("Labels, one key=value a line").fill("team=a\nnot a label")
    page.get_by_role("button", name="Save").click()
    refused('label line 2 is not "key=value"')
    assert api.get(api.v2 + f"/buckets/{bucket}").json()["bucket"].get("labels", {}) == {}
    visit(page, "error")

    page.goto(base)
    page.get_by_label(f"Type {bucket} to confirm").fill("not-it")
    expect(page.get_by_role("button", name="Delete bucket")).to_be_disabled()
    _force_submit(page, "Delete bucket")
    refused(f'type "{bucket}" to confirm')
    assert api.get(api.v2 + f"/buckets/{bucket}").status_code == 200

    page.goto(base + "/channels")
    page.get_by_label("Name", exact=True).fill("no/slash")
    page.get_by_role("button", name="Create channel").click()
    refused('channel name may not contain "/"')
    names = [c["name"] for c in api.get(api.v2 + f"/buckets/{bucket}/channels").json()["channels"]]
    assert sorted(names) == ["latest", "stable"]

    page.goto(base + "/channels/stable")
    page.get_by_label("Type stable to confirm").fill("stabl")
    _force_submit(page, "Delete channel")
    refused('type "stable" to confirm')
    assert api.get(api.v2 + f"/buckets/{bucket}/channels/stable").status_code == 200

    page.goto(base + "/versions/f2/revoke")
    page.get_by_label("At (UTC)").check()
    page.get_by_role("button", name="Preview").click()
    refused("give the date and time")
    page.goto(base + "/versions/f2/revoke?preview=1&when=in&in=soon")
    refused('"soon"')
    page.goto(base + "/versions/f2/revoke")
    page.get_by_role("button", name="Preview").click()
    page.get_by_label("Type v2 to confirm").fill("v1")
    _force_submit(page, "Revoke")
    refused('type "v2" to confirm')
    assert api.get(api.v2 + f"/buckets/{bucket}/versions/f2").json()["version"]["status"] == (
        "VERSION_ACTIVE"
    )

    page.goto(base + "/versions/f2")
    page.get_by_label("Type v2 to confirm").fill("v3")
    _force_submit(page, "Delete version")
    refused('type "v2" to confirm')
    assert api.get(api.v2 + f"/buckets/{bucket}/versions/f2").status_code == 200

    page.goto(_project(live_server) + "/search?q=")
    refused("type part of a bucket name")
    page.goto(_project(live_server) + "/buckets?sort=colour")
    refused("sort by one of")
    page.goto(_project(live_server) + "/buckets?label=%3Dx")
    refused('as "key" or "key=value"')
    page.goto(_project(live_server) + "/audit?since=yesterday")
    refused("is not a date")
    page.goto(_project(live_server) + "/audit?since=2026-02-02&until=2026-01-01")
    refused("must be before")
    context.close()


def test_a_viewer_sees_the_actions_disabled_with_the_role_they_need(
    live_server: LiveServer, browser: Browser, seeded: dict[str, Any]
) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, live_server, new_person(live_server, "viewer"))
    page.goto(_project(live_server) + f"/buckets/{seeded['bucket']}/versions/f2")
    expect(page.get_by_role("button", name="Promote")).to_be_disabled()
    expect(page.get_by_role("button", name="Revoke…")).to_be_disabled()
    expect(page.get_by_role("button", name="Delete version")).to_be_disabled()
    assert page.locator(".needs").first.inner_text() == "needs the contributor role"
    visit(page, "version-viewer")
    # SBOMs: the packages they list, and the document to download.
    page.get_by_text("Packages (").first.click()
    expect(page.get_by_role("cell", name=SPDX["packages"][0]["name"], exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="image-sbom (spdx)").click()
    saved = download.value.path()
    assert json.loads(Path(saved).read_text()) == SPDX
    page.goto(_project(live_server) + f"/buckets/{seeded['bucket']}")
    expect(page.get_by_role("button", name="Delete bucket")).to_be_disabled()
    assert "needs the admin role" in page.locator("section.danger").inner_text()
    context.close()


def test_the_versions_page_counts_each_build_and_artifact_once(
    live_server: LiveServer, browser: Browser, seeded: dict[str, Any]
) -> None:
    api = seeded["api"]
    version = api.get(api.v2 + f"/buckets/{seeded['bucket']}/versions/f2").json()["version"]
    artifacts = sum(len(build["artifacts"]) for build in version["builds"])
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, live_server, new_person(live_server, "viewer"))
    page.goto(_project(live_server) + f"/buckets/{seeded['bucket']}/versions")
    row = page.get_by_role("row").filter(has=page.get_by_text("f2", exact=True))
    cells = row.get_by_role("cell").all_inner_texts()
    assert [cell.strip() for cell in cells[5:7]] == [str(len(version["builds"])), str(artifacts)]
    context.close()


def test_enforced_blocks_are_linked_and_unlinked(
    live_server: LiveServer, browser: Browser, seeded: dict[str, Any]
) -> None:
    api: ApiClient = seeded["api"]
    bucket = seeded["bucket"]
    made = api.put(
        api.v2 + "/enforced_blocks",
        json={
            "name": f"hardening-{uuid.uuid4().hex[:6]}",
            "template_type": "HCL2",
            "block_content": BLOCK,
            "version": "1.0",
        },
    )
    assert made.status_code == 200, made.text
    block = made.json()["enforced_block"]
    links = api.v2 + (
        f"/enforced_blocks/{block['id']}/versions/{block['latest_version']['id']}/buckets"
    )

    def linked() -> list[str]:
        found = api.get(links).json().get("linked_buckets") or []
        return sorted(item["bucket"]["name"] for item in found)

    context = new_context(browser)
    page = context.new_page()
    sign_in(page, live_server, new_person(live_server, "contributor"))
    page.goto(_project(live_server) + "/enforced-blocks")
    field = page.get_by_label("Linked buckets, one name a line (empty unlinks all)").last
    field.fill(f"{bucket}\nno-such-bucket")
    field.locator("xpath=..").get_by_role("button", name="Save links").click()
    assert "not found" in problem(page)
    assert linked() == []
    page.goto(_project(live_server) + "/enforced-blocks")
    field = page.get_by_label("Linked buckets, one name a line (empty unlinks all)").last
    field.fill(bucket)
    field.locator("xpath=..").get_by_role("button", name="Save links").click()
    assert notice(page) == "Saved the linked buckets."
    assert linked() == [bucket]
    visit(page, "enforced-blocks")
    field = page.get_by_label("Linked buckets, one name a line (empty unlinks all)").last
    field.fill("")
    field.locator("xpath=..").get_by_role("button", name="Save links").click()
    assert linked() == []
    context.close()


def _principal_names(server: LiveServer) -> list[str]:
    return sorted(
        row["name"] for row in json.loads(server.cli("principal", "list", "--json").stdout)
    )


def _user_names(server: LiveServer) -> list[str]:
    return sorted(row["name"] for row in json.loads(server.cli("user", "list", "--json").stdout))


def _token_status(server: LiveServer, client_id: str, secret: str) -> int:
    try:
        server.token(Principal("", "", client_id, secret))
    except httpx.HTTPStatusError as exc:
        return exc.response.status_code
    return 200


def test_principals_and_users_are_made_rotated_and_deleted_with_a_secret_shown_once(
    live_server: LiveServer, browser: Browser
) -> None:
    server = live_server
    context = new_context(browser)
    page = context.new_page()
    person = new_person(server, "admin")
    sign_in(page, server, person)
    page.get_by_role("link", name="Principals and users").click()
    expect(page.get_by_role("heading", name="Principals and users")).to_be_visible()
    visit(page)
    principals, people = _principal_names(server), _user_names(server)

    # Bad input: a clear message, and nothing written.
    page.get_by_role("button", name="Create principal").click()
    assert "a principal needs a name" in problem(page)
    visit(page)
    page.go_back()
    page.get_by_label("Principal name").fill("ci/bad")
    page.get_by_role("button", name="Create principal").click()
    assert 'a name may not contain "/"' in problem(page)
    page.go_back()
    page.get_by_role("button", name="Create user").click()
    assert "a user needs a name" in problem(page)
    assert (_principal_names(server), _user_names(server)) == (principals, people)

    # A principal: its secret shown once, and it logs in.
    name = f"ci-{uuid.uuid4().hex[:8]}"
    page.goto(_project(server) + "/principals")
    page.get_by_label("Principal name").fill(name)
    page.locator("#principal-role").select_option("contributor")
    page.get_by_role("button", name="Create principal").click()
    expect(page.get_by_role("heading", name=f"Created principal {name}")).to_be_visible()
    visit(page)
    client_id = page.locator("#client-id").inner_text()
    first = page.locator("#client-secret").inner_text()
    assert _token_status(server, client_id, first) == 200
    page.goto(_project(server) + "/principals")
    row = page.locator("#principal-list tr", has_text=name)
    assert "contributor" in row.inner_text()
    assert first not in page.content()

    # Rotate: a new secret, shown once; the old one stops working.
    page.get_by_text(f"Rotate or delete {name}").click()
    page.get_by_role("button", name=f"Rotate the secret of {name}").click()
    expect(page.get_by_role("heading", name=f"New secret for {name}")).to_be_visible()
    second = page.locator("#client-secret").inner_text()
    assert second != first and page.locator("#client-id").inner_text() == client_id
    assert _token_status(server, client_id, first) == 401
    assert _token_status(server, client_id, second) == 200

    # A user: the one-time sign-in link, shown once.
    user = f"person-new-{uuid.uuid4().hex[:6]}"
    page.goto(_project(server) + "/principals")
    page.get_by_label("User name").fill(user)
    page.locator("#user-role").select_option("viewer")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name=f"Created user {user}")).to_be_visible()
    link = page.locator("#sign-in-link").inner_text()
    assert link.startswith(server.base_url + "/signin/link/")
    assert user in _user_names(server)
    page.goto(_project(server) + "/principals")
    assert "viewer" in page.locator("#user-list tr", has_text=user).inner_text()
    assert link not in page.content()
    visit(page, "principals")

    # Delete the principal: its name typed to confirm.
    page.get_by_text(f"Rotate or delete {name}").click()
    page.get_by_label(f"Type {name} to confirm").fill(name[:-1])
    expect(page.get_by_role("button", name=f"Delete principal {name}")).to_be_disabled()
    _force_submit(page, f"Delete principal {name}")
    assert f'type "{name}" to confirm' in problem(page)
    assert name in _principal_names(server)
    page.goto(_project(server) + "/principals")
    page.get_by_text(f"Rotate or delete {name}").click()
    page.get_by_label(f"Type {name} to confirm").fill(name)
    page.get_by_role("button", name=f"Delete principal {name}").click()
    assert notice(page) == f"Deleted principal {name}."
    assert name not in _principal_names(server)
    assert _token_status(server, client_id, second) == 401

    # Every action is in the audit trail under the person's name.
    events = json.loads(server.cli("audit", "--json", "--limit", "100000").stdout)
    done_by = {event["operation"] for event in events if event["actor_name"] == person.name}
    assert {
        "console.CreatePrincipal",
        "console.RotatePrincipal",
        "console.DeletePrincipal",
        "console.CreateUser",
    } <= done_by, done_by
    context.close()
    viewer = new_context(browser)
    page = viewer.new_page()
    sign_in(page, server, new_person(server, "viewer"))
    page.goto(_project(server) + "/principals")
    expect(page.get_by_role("button", name="Create principal")).to_be_disabled()
    expect(page.get_by_role("button", name="Create user")).to_be_disabled()
    assert page.locator(".needs").first.inner_text() == "needs the admin role"
    viewer.close()


def test_a_person_promotes_with_the_keyboard_alone(
    live_server: LiveServer, browser: Browser, seeded: dict[str, Any]
) -> None:
    """Skip link first, then Tab to the action, choose with the arrow keys, press Enter; the
    focused control is always outlined."""
    api: ApiClient = seeded["api"]
    bucket = seeded["bucket"]
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, live_server, new_person(live_server, "contributor"))
    page.goto(_project(live_server) + f"/buckets/{bucket}/versions/f2")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "promote-channel":
            break
    expect(page.get_by_label("Promote to channel")).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", outline
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Promote")).to_be_focused()
    page.keyboard.press("Enter")
    assert notice(page) == "Promoted to stable."
    found = api.get(api.v2 + f"/buckets/{bucket}/channels/stable").json()["channel"]
    assert found["version"]["fingerprint"] == "f2"
    context.close()
