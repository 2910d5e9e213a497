"""The console's webhooks in a real browser (chromium, driven by Playwright), with a loopback
receiver the server's settings allow: a person creates a webhook (verified at once), sees a
push's deliveries with their request and response, tests, disables and enables it,
redelivers and deletes it. axe-core checks each page; screenshots go to docs/console/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.api.conftest import push
from tests.e2e.test_console_browser import new_context, notice, problem, sign_in, visit
from tests.support.browser import chromium
from tests.support.people import new_person
from tests.support.server import LiveServer, running_server
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.e2e
KEY = "console-webhook-key"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PACKYARD_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
        patch.setenv("PACKYARD_WEBHOOK_RETRY_BASE", "0.2")
        with running_server(tmp_path_factory.mktemp("console-webhooks")) as server:
            yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as found:
        yield found


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(KEY)
    yield found
    found.close()


def test_a_person_manages_a_webhook_and_reads_its_deliveries(
    live_server: LiveServer, browser: Browser, receiver: Receiver
) -> None:
    person = new_person(live_server, "admin")
    page = new_context(browser).new_page()
    sign_in(page, live_server, person)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()

    # A private address is refused (it is not among the allowed networks): nothing is made.
    page.get_by_label("Name", exact=True).fill("private")
    page.get_by_label("URL", exact=True).fill("http://10.0.0.1/hook")
    page.get_by_role("button", name="Create webhook").click()
    assert "the webhook URL is refused" in problem(page)
    page.go_back()
    page.reload()
    expect(page.locator("#webhooks tbody tr")).to_have_text("No webhooks yet.")

    page.get_by_label("Name", exact=True).fill("chat")
    page.get_by_label("URL", exact=True).fill(receiver.url)
    page.get_by_label("HMAC key (write-only)").fill(KEY)
    page.get_by_label("complete").check()
    page.get_by_role("button", name="Create webhook").click()
    assert notice(page) == "Created webhook chat. The receiver answered HTTP 200."
    assert page.locator("#webhook-state").inner_text() == "enabled"
    [test] = receiver.received
    assert (test.payload["event_action"], test.signed) == ("test", True)
    assert KEY not in page.content()

    api = live_server.api("admin")
    push(api, "console-hooked", "fp-1")
    receiver.wait_for(lambda got: any(i.payload["event_action"] == "complete" for i in got))
    rows = page.locator("#deliveries tbody tr")
    deadline = time.monotonic() + 20
    while True:  # the worker writes the outcome just after the receiver has answered
        page.reload()
        if rows.first.locator("td").nth(4).inner_text() == "HTTP 200":
            break
        assert time.monotonic() < deadline, rows.first.inner_text()
        time.sleep(0.2)
    expect(rows).to_have_count(2)
    assert rows.first.locator("td").nth(1).inner_text() == "complete"
    details = page.locator("#delivery-log details").first
    details.locator("summary").click()
    shown = details.inner_text()
    assert "X-HCP-Webhook-Signature:" in shown and '"event_action": "complete"' in shown
    assert '{"ok":true}' in shown
    visit(page, "webhook")

    page.get_by_role("button", name="Send a test").click()
    assert notice(page) == "Sent the test payload. The receiver answered HTTP 200."
    page.get_by_role("button", name="Disable").click()
    assert page.locator("#webhook-state").inner_text() == "disabled"
    receiver.status = 500
    page.get_by_role("button", name="Enable").click()
    assert notice(page) == (
        "Verified the receiver. The verification got HTTP 500: it stays disabled."
    )
    assert page.locator("#webhook-state").inner_text() == "disabled"
    receiver.status = 200
    page.get_by_role("button", name="Enable").click()
    assert page.locator("#webhook-state").inner_text() == "enabled"

    event_id = next(i for i in receiver.events("complete")).payload["event_id"]
    complete = page.locator("#deliveries tbody tr", has_text="complete").first
    complete.get_by_role("button", name="Redeliver").click()
    assert re.fullmatch(r"Queued the payload again as \S+\.", notice(page))
    receiver.wait_for(lambda got: sum(i.payload["event_id"] == event_id for i in got) == 2)

    # A viewer reads the log; every action shows disabled, with the role it needs.
    viewer = new_context(browser).new_page()
    sign_in(viewer, live_server, new_person(live_server, "viewer"))
    viewer.goto(page.url.split("?")[0])
    expect(viewer.locator("#deliveries tbody tr")).to_have_count(6)
    for button in ("Send a test", "Disable", "Delete webhook"):
        expect(viewer.get_by_role("button", name=button)).to_be_disabled()
    expect(viewer.get_by_role("button", name="Redeliver").first).to_be_disabled()
    assert "needs the admin role" in viewer.locator("main").inner_text()
    viewer.context.close()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Webhooks").click()
    row = page.locator("#webhooks tbody tr", has_text="chat")
    assert "enabled" in row.inner_text() and "HTTP 200" in row.inner_text()
    visit(page, "webhooks")
    page.get_by_role("link", name="chat", exact=True).click()
    page.get_by_label("Type chat to confirm").fill("chut")
    expect(page.get_by_role("button", name="Delete webhook")).to_be_disabled()
    page.get_by_label("Type chat to confirm").fill("chat")
    page.get_by_role("button", name="Delete webhook").click()
    assert notice(page) == "Deleted webhook chat."
    expect(page.locator("#webhooks tbody tr")).to_have_text("No webhooks yet.")
