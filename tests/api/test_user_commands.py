"""`packyard user create|list|delete|reset-password` on a live server's store: what each
prints, and bad input refused with a clear message and nothing written."""

from __future__ import annotations

import json

from tests.support.people import Browser, Person, new_person, user_command
from tests.support.server import LiveServer


def _users(server: LiveServer) -> list[dict[str, object]]:
    done = user_command(server, "list", "--json")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_create_list_reset_and_delete(live_server: LiveServer):
    made = user_command(
        live_server,
        "create",
        "cli-person",
        "--role",
        "viewer",
        "--project",
        live_server.project_id,
        "--json",
    )
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    assert created["role"] == "viewer" and created["project_id"] == live_server.project_id
    assert created["password"] is False
    assert created["sign_in_link"].startswith(live_server.base_url + "/signin/link/")
    listed = {item["name"]: item for item in _users(live_server)}
    assert listed["cli-person"]["sessions"] == 0
    assert listed["administrator"]["role"] == "admin"  # made by the first start
    table = user_command(live_server, "list")
    assert "cli-person" in table.stdout and "(link)" in table.stdout
    reset = user_command(
        live_server, "reset-password", "cli-person", "--password-stdin", password="a fine password"
    )
    assert reset.returncode == 0, reset.stderr
    assert "sign-in link" not in reset.stdout
    browser = Browser(live_server)
    assert browser.sign_in(Person("cli-person", "a fine password", "viewer")).status_code == 303
    assert {item["name"]: item for item in _users(live_server)}["cli-person"]["sessions"] == 1
    gone = user_command(live_server, "delete", "cli-person")
    assert gone.returncode == 0 and "deleted user" in gone.stdout
    assert "cli-person" not in [item["name"] for item in _users(live_server)]


def test_bad_input_is_refused_clearly_and_writes_nothing(live_server: LiveServer):
    person = new_person(live_server)
    before = _users(live_server)
    for args, password, code, message in (
        (["create", "x-1", "--role", "boss"], None, 2, "role must be viewer"),
        (["create", person.name, "--role", "viewer"], None, 1, "already exists"),
        (["create", "x-2", "--role", "viewer", "--project", "nope"], None, 1, "not found"),
        (["create", "", "--role", "viewer"], None, 1, "needs a name"),
        (["create", "x-3", "--role", "viewer", "--password-stdin"], "short", 1, "at least 12"),
        (["reset-password", "nobody-here"], None, 1, 'no user named "nobody-here"'),
        (["reset-password", person.name, "--password-stdin"], "", 1, "at least 12"),
        (["delete", "nobody-here"], None, 1, 'no user named "nobody-here"'),
        (["delete", "admin"], None, 1, 'no user named "admin"'),  # a key, not a user
    ):
        done = user_command(live_server, *args, password=password)
        assert done.returncode == code, (args, done.stdout, done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert _users(live_server) == before
    assert Browser(live_server).sign_in(person).status_code == 303  # the password stands
