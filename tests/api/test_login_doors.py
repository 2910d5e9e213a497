"""The token endpoint and the console's sign-in count failed logins in one throttle: a
guesser who switches doors keeps the budget it spent at the other, per source address.

A server of its own with small limits, so the session's shared server keeps its counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.people import Browser, new_person
from tests.support.server import LiveServer, running_server

FORM = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}
PER_CLIENT_ADDRESS, PER_CLIENT, PER_ADDRESS, WINDOW = 3, 50, 4, 30


@pytest.fixture(scope="module")
def doors(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_CLIENT_ADDRESS", str(PER_CLIENT_ADDRESS))
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_CLIENT", str(PER_CLIENT))
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_ADDRESS", str(PER_ADDRESS))
        env.setenv("PACKYARD_LOGIN_FAILURE_WINDOW", str(WINDOW))
        with running_server(tmp_path_factory.mktemp("doors")) as server:
            yield server


def _token(server: LiveServer, client_id: str, secret: str, source: str) -> httpx.Response:
    transport = httpx.HTTPTransport(verify=server.tls(), local_address=source)
    with httpx.Client(transport=transport, timeout=30) as http:
        return http.post(server.base_url + "/oauth2/token", data=FORM, auth=(client_id, secret))


def _browser(server: LiveServer, source: str) -> Browser:
    """A browser whose requests come from the loopback address `source`."""
    browser = Browser(server)
    browser.http = httpx.Client(
        base_url=server.base_url,
        transport=httpx.HTTPTransport(verify=server.tls(), local_address=source),
        timeout=30,
    )
    return browser


def test_token_endpoint_failures_count_toward_sign_in_from_the_same_address(doors):
    person, guessed = new_person(doors), doors.principal("viewer")
    source = "127.0.0.21"
    # Failed token logins with several client ids from one address, none over its own limit
    for attempt in range(PER_ADDRESS):
        client_id = guessed.client_id if attempt % 2 else f"nobody-{attempt}"
        wrong = _token(doors, client_id, "not the secret", source)
        assert wrong.status_code == 401, wrong.text
    # ... and the console's sign-in, from that address, is slowed even for the right password
    slowed = _browser(doors, source).sign_in(person)
    assert slowed.status_code == 429, slowed.text
    assert int(slowed.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in slowed.text
    # From another address the same person signs in
    assert _browser(doors, "127.0.0.22").sign_in(person).status_code == 303


def test_sign_in_failures_count_toward_the_token_endpoint_from_the_same_address(doors):
    principal, source = doors.principal("viewer"), "127.0.0.23"
    browser = _browser(doors, source)
    for attempt in range(PER_ADDRESS):
        wrong = browser.form("/signin", name=f"someone-{attempt}", password="not the password")
        assert wrong.status_code == 401, wrong.text
    # The right client secret, from that address, waits as a guesser would
    slowed = _token(doors, principal.client_id, principal.client_secret, source)
    assert slowed.status_code == 429, slowed.text
    assert slowed.json()["error"] == "slow_down"
    assert int(slowed.headers["Retry-After"]) >= 1
    # From another address the principal logs in
    fine = _token(doors, principal.client_id, principal.client_secret, "127.0.0.24")
    assert fine.status_code == 200, fine.text


def test_one_name_at_both_doors_is_counted_once_per_address(doors):
    """A name's failures from one address add up across doors toward its own low limit."""
    person, source = new_person(doors), "127.0.0.25"
    for _ in range(PER_CLIENT_ADDRESS - 1):
        assert _token(doors, person.name, "not the secret", source).status_code == 401
    wrong = _browser(doors, source).form("/signin", name=person.name, password="not it at all")
    assert wrong.status_code == 401, wrong.text
    assert _browser(doors, source).sign_in(person).status_code == 429
