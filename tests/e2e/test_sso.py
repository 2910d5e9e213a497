"""Single sign-on against a real OpenID provider: the example OP of github.com/zitadel/oidc
v3, built from Go source, with the provider's own login form filled in as a person would.

Packyard discovers the provider, sends the person there with an authorization request
carrying PKCE (S256), redeems the code with its verifier, checks the ID token (signature by
the provider's published keys, issuer, audience, expiry, nonce), reads userinfo, maps the
`email` claim to a role, and opens a session; refusals say why and open none."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.test_console_browser import visit
from tests.support.browser import chromium
from tests.support.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Provider,
    ProviderUser,
    running_provider,
)
from tests.support.people import Browser, audit_lines, csrf_of, user_command
from tests.support.server import LiveServer, free_port

pytestmark = pytest.mark.e2e
VIEWPORT = {"width": 1200, "height": 900}

ALICE = ProviderUser("id-alice", "alice", "alice's password", "alice@example.test")
ERIN = ProviderUser("id-erin", "erin", "erin's password", "erin@example.test")
CAROL = ProviderUser("id-carol", "carol", "carol's password", "carol@example.test")
DAVE = ProviderUser("id-dave", "dave-sso", "dave's password", "dave@example.test")


@dataclass
class Site:
    server: LiveServer
    provider: Provider


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("sso")
    port = free_port()
    callback = f"https://127.0.0.1:{port}/signin/sso/callback"
    with running_provider([ALICE, ERIN, CAROL, DAVE], [callback]) as provider:
        server = LiveServer(data_dir=root / "data", port=port)
        server.start(
            env={
                "PACKYARD_OIDC_ISSUER": provider.issuer,
                "PACKYARD_OIDC_CLIENT_ID": CLIENT_ID,
                "PACKYARD_OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "PACKYARD_OIDC_ROLE_CLAIM": "email",
                "PACKYARD_OIDC_ROLES": "alice@example.test=contributor,erin@example.test=viewer,"
                "erin@example.test=admin,dave@example.test=viewer",
                "PACKYARD_OIDC_LABEL": "ZITADEL",
            }
        )
        try:
            yield Site(server, provider)
        finally:
            server.stop()


def start(browser: Browser, next_page: str = "/account") -> httpx.Response:
    """Press the sign-in page's single sign-on button: the redirect to the provider."""
    page = browser.http.get("/signin")
    assert "Sign in with ZITADEL" in page.text
    sent = browser.http.post("/signin/sso", data={"csrf_token": csrf_of(page), "next": next_page})
    assert sent.status_code == 303, sent.text
    return sent


def at_provider(browser: Browser, authorize: str, user: ProviderUser) -> str:
    """Follow the provider to its login form, fill it in, and follow it back: the callback
    URL it sends the browser to."""
    answer = browser.http.get(authorize)
    while answer.is_redirect:
        answer = browser.http.get(str(answer.url.join(answer.headers["location"])))
    assert answer.status_code == 200, answer.text
    form = re.search(r'<form method="POST" action="([^"]+)"', answer.text)
    request_id = re.search(r'name="id" value="([^"]+)"', answer.text)
    assert form and request_id, answer.text
    answer = browser.http.post(
        str(answer.url.join(form.group(1))),
        data={"username": user.username, "password": user.password, "id": request_id.group(1)},
    )
    while answer.is_redirect:
        target = str(answer.url.join(answer.headers["location"]))
        if target.startswith(browser.server.base_url):
            return target
        answer = browser.http.get(target)
    raise AssertionError(f"the provider did not send the browser back: {answer.text}")


def sign_in_with_provider(site: Site, user: ProviderUser) -> tuple[Browser, httpx.Response]:
    browser = Browser(site.server)
    authorize = start(browser).headers["location"]
    back = at_provider(browser, authorize, user)
    return browser, browser.http.get(back)


def test_a_person_signs_in_at_the_provider_with_pkce(site: Site):
    browser = Browser(site.server)
    authorize = start(browser).headers["location"]
    assert authorize.startswith(site.provider.issuer)  # found through discovery
    query = parse_qs(urlsplit(authorize).query)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["scope"] == ["openid profile email"] and query["nonce"] and query["state"]
    back = at_provider(browser, authorize, ALICE)
    done = browser.http.get(back)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/account"
    assert browser.signed_in_as() == "alice"  # preferred_username, from userinfo
    page = browser.account().text
    assert 'id="role">contributor<' in page and "single sign-on" in page
    lines = [line for line in audit_lines(site.server) if line["actor_name"] == "alice"]
    assert [line["operation"] for line in lines] == ["SignInWithProvider"]
    # the callback is used up: replaying it signs no one in
    replay = Browser(site.server)
    replay.http.cookies.set("packyard_sso", query["state"][0], domain="127.0.0.1")
    assert replay.http.get(back).status_code == 401
    assert replay.session is None


def test_the_same_subject_is_the_same_user_and_the_highest_mapped_role_wins(site: Site):
    first, done = sign_in_with_provider(site, ERIN)
    assert done.status_code == 303
    second, done = sign_in_with_provider(site, ERIN)
    assert done.status_code == 303
    assert first.signed_in_as() == second.signed_in_as() == "erin"
    assert 'id="role">admin<' in second.account().text
    users = site.server.cli("user", "list", "--json").stdout
    assert users.count('"name": "erin"') == 1


def test_a_person_whose_claims_map_to_no_role_is_refused(site: Site):
    browser, done = sign_in_with_provider(site, CAROL)
    assert done.status_code == 403
    assert "no role in Packyard" in done.text and "carol@example.test" in done.text
    assert browser.session is None
    assert '"carol"' not in site.server.cli("user", "list", "--json").stdout


def test_a_provider_account_cannot_take_over_a_password_users_name(site: Site):
    made = user_command(
        site.server,
        "create",
        DAVE.username,
        "--role",
        "admin",
        "--password-stdin",
        password="the real dave's password",
    )
    assert made.returncode == 0, made.stderr
    browser, done = sign_in_with_provider(site, DAVE)
    assert done.status_code == 403 and "exists already" in done.text
    assert browser.session is None
    listed = json.loads(site.server.cli("user", "list", "--json").stdout)
    mine = [user for user in listed if user["name"] == DAVE.username]
    assert len(mine) == 1 and mine[0]["password"] and mine[0]["role"] == "admin"


def test_a_callback_not_started_in_this_browser_is_refused(site: Site):
    victim = Browser(site.server)
    authorize = start(victim).headers["location"]
    back = at_provider(victim, authorize, ALICE)
    attacker = Browser(site.server)  # login CSRF: someone else's callback, without its cookie
    refused = attacker.http.get(back)
    assert refused.status_code == 403 and "not started in this browser" in refused.text
    assert attacker.session is None
    assert victim.http.get(back).status_code == 303  # the browser that began it finishes


def test_the_providers_refusal_and_bad_answers_are_shown_clearly(site: Site):
    browser = Browser(site.server)
    refused = browser.http.get(
        "/signin/sso/callback", params={"error": "access_denied", "error_description": "no"}
    )
    assert refused.status_code == 401 and "did not sign you in: no" in refused.text
    assert browser.http.get("/signin/sso/callback").status_code == 400
    forged = browser.http.post("/signin/sso", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert browser.session is None


def test_a_person_signs_in_with_sso_in_a_real_browser(site: Site):
    """In Debian's chromium: the console's single sign-on button, the provider's own login
    page, and back on the console signed in, with the role the provider's claim maps to."""
    with chromium() as found:
        context = found.new_context(ignore_https_errors=True, viewport=VIEWPORT)
        page = context.new_page()
        page.goto(site.server.base_url + "/")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_role("button", name="Sign in with ZITADEL").click()
        page.wait_for_url(site.provider.issuer + "**")
        page.locator("input[name=username]").fill(ALICE.username)
        page.locator("input[name=password]").fill(ALICE.password)
        page.locator("input[name=password]").press("Enter")
        expect(page.get_by_role("heading", name="Home")).to_be_visible()
        assert page.url.startswith(site.server.base_url)
        who = page.locator("header form.who")
        expect(who.get_by_role("link", name="alice")).to_be_visible()
        expect(who.locator(".role")).to_have_text("(contributor)")
        visit(page, "home-sso")
        context.close()
