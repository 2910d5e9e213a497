"""The extension API's users, sessions and audit trail, every answer validated against
src/packyard/wire/extension/openapi.yaml (ApiClient checks each one)."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta

import httpx
import yaml

from packyard.ids import rfc3339
from tests.api.conftest import error
from tests.support.contract import EXTENSION_SPEC
from tests.support.people import Browser, Person
from tests.support.server import ApiClient, LiveServer

_names = itertools.count()


def org(api: ApiClient) -> str:
    return f"/packyard/v1/organizations/{api.server.org_id}"


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}-{datetime.now(UTC):%H%M%S%f}"


def test_the_document_is_served_without_credentials(live_server: LiveServer):
    answer = httpx.get(live_server.base_url + "/packyard/v1/openapi.yaml", verify=live_server.tls())
    assert answer.status_code == 200
    assert yaml.safe_load(answer.text) == yaml.safe_load(EXTENSION_SPEC.read_text())


def test_users_are_made_listed_read_reset_and_deleted(admin: ApiClient):
    name = unique("api-user")
    made = admin.post(org(admin) + "/users", json={"name": name, "role": "contributor"})
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["user"]["role"] == "contributor" and body["user"]["password"] is False
    link = body["sign_in_link"]
    assert link.startswith(admin.server.base_url + "/signin/link/")
    browser = Browser(admin.server)
    path = "/" + link.split("/", 3)[3]
    assert browser.form(path, password="chosen by the user", confirm="chosen by the user")
    assert browser.signed_in_as() == name
    listed = admin.get(org(admin) + "/users").json()["users"]
    mine = next(user for user in listed if user["name"] == name)
    assert mine["sessions"] == 1 and mine["password"] is True
    got = admin.get(org(admin) + f"/users/{name}")
    assert got.status_code == 200 and got.json()["user"]["principal_id"] == mine["principal_id"]
    sessions = admin.get(org(admin) + f"/users/{name}/sessions").json()["sessions"]
    assert len(sessions) == 1 and sessions[0]["source"] == "127.0.0.1"
    reset = admin.post(
        org(admin) + f"/users/{name}:reset-password", json={"password": "set by the admin!"}
    )
    assert reset.status_code == 200, reset.text
    assert "sign_in_link" not in reset.json()
    assert browser.signed_in_as() is None  # a reset ends the user's sessions
    again = Browser(admin.server)
    assert again.sign_in(Person(name, "set by the admin!", "contributor")).status_code == 303
    assert admin.delete(org(admin) + f"/users/{name}/sessions").json() == {}
    assert again.signed_in_as() is None  # signed out everywhere
    assert admin.delete(org(admin) + f"/users/{name}").json() == {}
    error(admin.get(org(admin) + f"/users/{name}"), 404, 5)


def test_a_user_made_with_a_password_signs_in_with_it(admin: ApiClient):
    name = unique("api-pw")
    made = admin.post(
        org(admin) + "/users",
        json={"name": name, "role": "viewer", "password": "a password to use", "project_id": None},
    )
    assert made.status_code == 200 and "sign_in_link" not in made.json()
    assert (
        Browser(admin.server).sign_in(Person(name, "a password to use", "viewer")).status_code
        == 303
    )


def test_bad_input_is_refused_and_nothing_is_written(admin: ApiClient):
    before = admin.get(org(admin) + "/users").json()["users"]
    taken = admin.server.principal("viewer").name
    for body, status, code, message in (
        ({"name": unique("x"), "role": "boss"}, 400, 3, "role must be"),
        ({"name": "", "role": "viewer"}, 400, 3, "needs a name"),
        ({"name": unique("x"), "role": "viewer", "password": "short"}, 400, 3, "at least 12"),
        ({"name": unique("x"), "role": "viewer", "project_id": "nope"}, 404, 5, "not found"),
        ({"name": taken, "role": "viewer"}, 409, 6, "already exists"),
        ({"role": "viewer"}, 400, 3, "name"),
    ):
        found = error(admin.post(org(admin) + "/users", json=body), status, code)
        assert message in found["message"], found
    error(admin.post(org(admin) + "/users/nobody:reset-password", json={}), 404, 5)
    error(admin.delete(org(admin) + f"/users/{taken}"), 404, 5)  # a key is no user
    assert admin.get(org(admin) + "/users").json()["users"] == before


def test_only_an_organization_wide_admin_manages_users(
    live_server: LiveServer, admin: ApiClient, viewer: ApiClient
):
    error(viewer.get(org(viewer) + "/users"), 403, 7)
    bound = live_server.api(
        principal=live_server.principal("admin", project=live_server.project_id)
    )
    found = error(bound.post(org(bound) + "/users", json={"name": "x", "role": "admin"}), 403, 7)
    assert "organization-wide admin" in found["message"]
    error(bound.get(org(bound) + "/audit-events"), 403, 7)
    other = "/packyard/v1/organizations/00000000-0000-0000-0000-000000000000"
    error(admin.get(other + "/users"), 404, 5)
    error(admin.get(other + "/audit-events"), 404, 5)
    error(ApiClient(live_server, None).get(org(admin) + "/users"), 401, 16)


def test_the_audit_trail_filters_by_who_what_and_when_and_pages(live_server: LiveServer):
    key = live_server.principal("admin")
    admin = live_server.api(principal=key)
    events = org(admin) + "/audit-events"
    person = unique("audited")
    started = datetime.now(UTC) - timedelta(seconds=1)
    admin.post(org(admin) + "/users", json={"name": person, "role": "viewer", "password": "p" * 12})
    browser = Browser(admin.server)
    browser.sign_in(Person(person, "p" * 12, "viewer"))
    browser.sign_out()
    mine = admin.get(events, params={"actor": person}).json()
    assert [event["operation"] for event in mine["events"]] == ["SignOut", "SignIn"]
    assert mine["next_page_token"] == ""
    assert all(event["actor_name"] == person for event in mine["events"])
    by_admin = admin.get(events, params={"operation": "CreateUser", "since": rfc3339(started)})
    created = by_admin.json()["events"]
    assert created and created[0]["resource"].endswith("/users")
    assert created[0]["actor_name"] == key.name
    assert admin.get(events, params={"until": rfc3339(started), "actor": person}).json() == {
        "events": [],
        "next_page_token": "",
    }
    first = admin.get(events, params={"page_size": 1}).json()
    second = admin.get(events, params={"page_size": 1, "page_token": first["next_page_token"]})
    assert first["next_page_token"] and second.json()["events"][0]["id"] < first["events"][0]["id"]
    for params, message in (
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "whole number"),
        ({"page_token": "forged"}, "page_token"),
        ({"since": "yesterday"}, "RFC 3339"),
        ({"since": rfc3339(started), "until": rfc3339(started)}, "before until"),
        ({"format": "xml"}, "json or csv"),
    ):
        assert message in error(admin.get(events, params=params), 400, 3)["message"]


def test_the_audit_trail_exports_csv(admin: ApiClient):
    person = unique("=csv")  # a name a spreadsheet would run as a formula
    admin.post(org(admin) + "/users", json={"name": person, "role": "viewer", "password": "q" * 12})
    Browser(admin.server).sign_in(Person(person, "q" * 12, "viewer"))
    answer = admin.http.get(org(admin) + "/audit-events", params={"format": "csv", "actor": person})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["operation"] for row in rows] == ["SignIn"]
    assert rows[0]["actor_name"] == "'" + person
    paged = admin.http.get(org(admin) + "/audit-events", params={"format": "csv", "page_size": 1})
    assert len(list(csv.DictReader(io.StringIO(paged.text)))) == 1
    assert paged.headers["x-next-page-token"]
