"""Signing people in to the console with a password: sessions kept in the store (so any
replica honours them and signing out ends them everywhere), HttpOnly Secure SameSite=Lax
cookies, a CSRF token on every form, the login throttle, and refusals that write nothing."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.people import (
    Browser,
    Person,
    audit_lines,
    csrf_of,
    new_person,
    user_command,
)
from tests.support.server import LiveServer, free_port


@pytest.fixture(scope="module")
def replica(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A second `packyard serve` on the same store, with a data directory of its own."""
    root = tmp_path_factory.mktemp("replica")
    store = live_server.database or f"sqlite:///{live_server.data_dir / 'packyard.db'}"
    second = LiveServer(data_dir=root / "data", port=free_port(), database=store)
    second.start()
    yield second
    second.stop()


def test_password_sign_in_opens_a_session_with_safe_cookies(live_server: LiveServer):
    person = new_person(live_server, "contributor")
    browser = Browser(live_server)
    assert browser.signed_in_as() is None
    done = browser.sign_in(person, next="/account")
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/account"
    cookie = next(
        value
        for value in done.headers.get_list("set-cookie")
        if value.startswith("packyard_session=")
    )
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
    assert browser.signed_in_as() == person.name
    page = browser.account()
    assert re.search(r'id="role">contributor<', page.text)
    assert page.headers["cache-control"] == "no-store"
    # every form on the page carries the session's CSRF token
    assert page.text.count("<form") == page.text.count('name="csrf_token"') == 2


def test_the_session_works_on_a_second_replica_and_sign_out_ends_it_everywhere(
    live_server: LiveServer, replica: LiveServer
):
    person = new_person(live_server)
    first = Browser(live_server)
    assert first.sign_in(person).status_code == 303
    assert first.session
    second = Browser(replica)
    second.adopt(first.session)
    assert second.signed_in_as() == person.name
    done = second.sign_out()
    assert done.status_code == 303 and done.headers["location"] == "/signin"
    assert second.session is None
    # the same cookie no longer signs in anywhere
    assert first.signed_in_as() is None
    again = Browser(replica)
    again.adopt(first.session)
    assert again.signed_in_as() is None


def test_sign_out_everywhere_ends_every_session_of_the_user(live_server: LiveServer):
    person = new_person(live_server)
    laptop, phone, other = Browser(live_server), Browser(live_server), Browser(live_server)
    someone = new_person(live_server)
    for browser, who in ((laptop, person), (phone, person), (other, someone)):
        assert browser.sign_in(who).status_code == 303
    assert phone.account().text.count('class="session"') == 2
    assert laptop.sign_out(everywhere=True).status_code == 303
    assert phone.signed_in_as() is None
    assert other.signed_in_as() == someone.name  # another user's session is untouched


def test_sign_in_and_out_are_audited_under_the_users_name(live_server: LiveServer):
    person = new_person(live_server)
    browser = Browser(live_server)
    browser.sign_in(person)
    browser.sign_out()
    mine = [line for line in audit_lines(live_server) if line["actor_name"] == person.name]
    assert [line["operation"] for line in mine] == ["SignIn", "SignOut"]
    assert all(line["organization_id"] == live_server.org_id for line in mine)


def test_a_form_without_its_csrf_token_is_refused(live_server: LiveServer):
    person = new_person(live_server)
    browser = Browser(live_server)
    browser.http.get("/signin")
    for token in (None, "forged", csrf_of(Browser(live_server).http.get("/signin"))):
        data = {"name": person.name, "password": person.password}
        if token:
            data["csrf_token"] = token
        refused = browser.http.post("/signin", data=data)
        assert refused.status_code == 403, refused.text
        assert "reload the page" in refused.text
        assert "packyard_session" not in refused.headers.get("set-cookie", "")
    assert browser.sign_in(person).status_code == 303
    # signing out needs the session's token too: a cross-site form cannot end the session
    refused = browser.http.post("/signout", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert browser.signed_in_as() == person.name


def test_the_login_throttle_applies_to_sign_in(live_server: LiveServer):
    person = new_person(live_server)
    browser = Browser(live_server)
    for _ in range(10):  # PACKYARD_LOGIN_FAILURES_PER_CLIENT_ADDRESS
        wrong = browser.form("/signin", name=person.name, password="not the password")
        assert wrong.status_code == 401, wrong.text
        assert "user name or password is not right" in wrong.text
    slowed = browser.form("/signin", name=person.name, password=person.password)
    assert slowed.status_code == 429
    assert int(slowed.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in slowed.text
    assert browser.session is None
    # another user from the same address is not locked out by these failures
    assert Browser(live_server).sign_in(new_person(live_server)).status_code == 303


def test_bad_sign_in_input_is_refused_clearly_and_writes_nothing(live_server: LiveServer):
    person = new_person(live_server)
    before = len(audit_lines(live_server))
    browser = Browser(live_server)
    for fields, status, message in (
        ({"name": "", "password": "x"}, 400, "Enter your user name and password"),
        ({"name": person.name, "password": ""}, 400, "Enter your user name and password"),
        ({"name": "nobody-at-all", "password": "whatever it is"}, 401, "not right"),
        ({"name": person.name, "password": "x" * 20_000}, 400, "too large"),
    ):
        answer = browser.form("/signin", **fields)
        assert answer.status_code == status, answer.text
        assert message in answer.text
        assert browser.session is None
    done = browser.form("/signin", name=person.name, password=person.password, next="//evil")
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert browser.signed_in_as() == person.name
    lines = audit_lines(live_server)[before:]
    assert [line["operation"] for line in lines if line["actor_name"] == person.name] == ["SignIn"]


def test_a_one_time_link_sets_the_password_and_signs_in_once(live_server: LiveServer):
    made = user_command(live_server, "create", "linked-" + str(free_port()), "--role", "admin")
    assert made.returncode == 0, made.stderr
    link = re.search(r"sign-in link:\s+(\S+)", made.stdout)
    assert link, made.stdout
    path = "/" + link.group(1).split("/", 3)[3]
    name = re.search(r"user:\s+(\S+)", made.stdout).group(1)  # type: ignore[union-attr]
    browser = Browser(live_server)
    for fields, message in (
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"password": "long enough password", "confirm": "another password"}, "differ"),
    ):
        refused = browser.form(path, **fields)
        assert refused.status_code == 400 and message in refused.text
    assert browser.session is None
    done = browser.form(path, password="my own password here", confirm="my own password here")
    assert done.status_code == 303, done.text
    assert browser.signed_in_as() == name
    assert Browser(live_server).http.get(path).status_code == 404  # used up
    again = Browser(live_server).sign_in(Person(name, "my own password here", "admin"))
    assert again.status_code == 303


def test_reset_password_ends_the_users_sessions(live_server: LiveServer):
    person = new_person(live_server)
    browser = Browser(live_server)
    browser.sign_in(person)
    done = user_command(
        live_server, "reset-password", person.name, "--password-stdin", password="a new password!"
    )
    assert done.returncode == 0, done.stderr
    assert browser.signed_in_as() is None
    assert Browser(live_server).sign_in(person).status_code == 401


def test_deleting_a_user_ends_their_sessions(live_server: LiveServer):
    person = new_person(live_server)
    browser = Browser(live_server)
    browser.sign_in(person)
    assert user_command(live_server, "delete", person.name).returncode == 0
    assert browser.signed_in_as() is None


def test_a_users_password_is_no_api_key(live_server: LiveServer):
    person = new_person(live_server)
    listed = user_command(live_server, "list", "--json")
    assert person.name in listed.stdout and "hash" not in listed.stdout
    keys = json.loads(live_server.cli("principal", "list", "--json").stdout)
    assert person.name not in [item["name"] for item in keys]  # users are no service principals
    client_id = live_server.store_value(
        "SELECT client_id FROM principals WHERE name = :name", name=person.name
    )
    for credentials in ((person.name, person.password), (client_id, person.password)):
        answer = httpx.post(
            live_server.base_url + "/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=credentials,
            verify=live_server.tls(),
        )
        assert answer.status_code == 401


@pytest.fixture(scope="module")
def short_sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose sessions end after 3 idle seconds, or 8 after sign-in."""
    root = tmp_path_factory.mktemp("short-sessions")
    server = LiveServer(data_dir=root / "data", port=free_port())
    server.start(env={"PACKYARD_SESSION_IDLE_SECONDS": "3", "PACKYARD_SESSION_MAX_SECONDS": "8"})
    yield server
    server.stop()


def test_an_idle_session_ends(short_sessions: LiveServer):
    person = new_person(short_sessions)
    browser = Browser(short_sessions)
    assert browser.sign_in(person).status_code == 303
    assert browser.signed_in_as() == person.name
    time.sleep(3.5)
    assert browser.signed_in_as() is None
    assert browser.sign_in(person).status_code == 303  # signing in again opens a new one


def test_a_busy_session_still_ends_at_its_absolute_expiry(short_sessions: LiveServer):
    person = new_person(short_sessions)
    browser = Browser(short_sessions)
    started = time.monotonic()
    assert browser.sign_in(person).status_code == 303
    while time.monotonic() - started < 6:  # each request keeps it from going idle
        assert browser.signed_in_as() == person.name
        time.sleep(1)
    while time.monotonic() - started < 8.5:
        time.sleep(0.5)
        browser.signed_in_as()
    assert browser.signed_in_as() is None


def test_the_first_start_prints_a_one_time_link_for_the_administrator(live_server: LiveServer):
    printed = live_server.log_text()
    exports = printed.index("export HCP_CLIENT_SECRET=")
    found = re.search(r"^#\s+(https://\S+/signin/link/\S+)$", printed, re.MULTILINE)
    assert found and found.start() > exports, printed[:2000]
    path = "/" + found.group(1).split("/", 3)[3]
    browser = Browser(live_server)
    page = browser.http.get(path)
    assert page.status_code == 200 and "Choose a password for administrator" in page.text
    password = "the administrator's own"
    assert browser.form(path, password=password, confirm=password).status_code == 303
    assert browser.signed_in_as() == "administrator"
    assert re.search(r'id="role">admin<', browser.account().text)
