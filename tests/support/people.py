"""People at the console for the tests: users made with `packyard user`, and a browser-like
httpx client that signs in through the real sign-in form (cookies, CSRF field and all)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from dataclasses import dataclass

import httpx

from tests.support.server import PACKYARD, LiveServer

PASSWORD = "correct horse battery staple"
_count = itertools.count()
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Person:
    name: str
    password: str
    role: str


def user_command(
    server: LiveServer, *args: str, password: str | None = None
) -> subprocess.CompletedProcess[str]:
    """A `packyard user ...` command on the server's store (the password on stdin)."""
    store = ["--database", server.database] if server.database else []
    return subprocess.run(
        [*PACKYARD, "user", *args, "--data-dir", str(server.data_dir), *store],
        input=None if password is None else password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )


def new_person(server: LiveServer, role: str = "viewer", *, password: str = PASSWORD) -> Person:
    name = f"person-{role}-{next(_count)}"
    done = user_command(
        server, "create", name, "--role", role, "--password-stdin", "--json", password=password
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == name
    return Person(name, password, role)


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, page.text
    return found.group(1)


class Browser:
    """One browser's cookie jar against one server (or replica)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, verify=server.tls(), timeout=30)

    def form(self, path: str, **fields: str) -> httpx.Response:
        """Open the page at `path` and submit its form with these fields (and its token)."""
        page = self.http.get(path)
        assert page.status_code == 200, page.text
        return self.http.post(path, data={"csrf_token": csrf_of(page), **fields})

    def sign_in(self, person: Person, **extra: str) -> httpx.Response:
        return self.form("/signin", name=person.name, password=person.password, **extra)

    def account(self) -> httpx.Response:
        """The account page: 200 when the session signs in, else a redirect to sign in."""
        return self.http.get("/account")

    def signed_in_as(self) -> str | None:
        page = self.account()
        if page.status_code != 200:
            assert page.status_code == 303 and page.headers["location"].startswith("/signin")
            return None
        found = re.search(r"<h1>([^<]+)</h1>", page.text)
        assert found
        return found.group(1)

    def sign_out(self, *, everywhere: bool = False) -> httpx.Response:
        page = self.account()
        assert page.status_code == 200
        data = {"csrf_token": csrf_of(page)}
        if everywhere:
            data["everywhere"] = "1"
        return self.http.post("/signout", data=data)

    def adopt(self, session: str) -> None:
        """Carry another browser's session cookie (as a balancer sends it to any replica)."""
        self.http.cookies.set("packyard_session", session, domain="127.0.0.1", path="/")

    @property
    def session(self) -> str | None:
        return self.http.cookies.get("packyard_session")

    def close(self) -> None:
        self.http.close()


def audit_lines(server: LiveServer) -> list[dict[str, str]]:
    # Every line (the command shows the newest 1,000 unless told): tests slice them by count.
    done = server.cli("audit", "--json", "--limit", "100000000")
    return list(json.loads(done.stdout))
