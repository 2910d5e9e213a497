"""Behind a trusted balancer, the login limit counts the client's real address even when the
client sends an X-Forwarded-For of its own (the balancer then appends a second line).

A server of its own with a small per-address limit, so the session's servers keep their counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import LiveServer, running_server

FORM = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}
PER_ADDRESS = 4
BALANCER = "127.0.0.3"  # the trusted proxy the requests come from


@pytest.fixture(scope="module")
def behind_balancer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_CLIENT", "100")
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_ADDRESS", str(PER_ADDRESS))
        env.setenv("PACKYARD_LOGIN_FAILURE_WINDOW", "60")
        env.setenv("PACKYARD_TRUSTED_PROXIES", f"{BALANCER},10.9.0.0/16")
        with running_server(tmp_path_factory.mktemp("balancer")) as server:
            yield server


def _login(server: LiveServer, client_id: str, secret: str, *lines: str) -> httpx.Response:
    """A login through the balancer, carrying these X-Forwarded-For lines in order."""
    transport = httpx.HTTPTransport(verify=server.tls(), local_address=BALANCER)
    headers = [("X-Forwarded-For", line) for line in lines]
    with httpx.Client(transport=transport, timeout=30) as http:
        return http.post(
            server.base_url + "/oauth2/token",
            data=FORM,
            auth=(client_id, secret),
            headers=headers,
        )


def test_a_forwarded_for_line_of_the_clients_own_does_not_choose_its_address(behind_balancer):
    alice = behind_balancer.principal("viewer")
    # The client at 192.0.2.7 claims a new address on every guess; the balancer appends the
    # real one as a second line. The guesses all count against 192.0.2.7.
    for guess in range(PER_ADDRESS):
        claimed = f"198.51.100.{guess}"
        response = _login(behind_balancer, f"unknown-{guess}", "x", claimed, "192.0.2.7")
        assert response.status_code == 401, response.text
    refused = _login(
        behind_balancer, alice.client_id, alice.client_secret, "198.51.100.99", "192.0.2.7"
    )
    assert refused.status_code == 429, refused.text
    # Another client, 192.0.2.8, is not blamed for them: it gets in with no line of its own,
    # and with one naming the blamed address.
    assert _login(behind_balancer, alice.client_id, alice.client_secret, "192.0.2.8").is_success
    assert _login(
        behind_balancer, alice.client_id, alice.client_secret, "192.0.2.7", "192.0.2.8"
    ).is_success
    # Hops through further trusted proxies (10.9.0.0/16) are passed over, right to left,
    # on one line or several, up to the first address that is not a proxy.
    for lines in (("198.51.100.1, 192.0.2.7, 10.9.1.1",), ("198.51.100.2", "192.0.2.7, 10.9.1.2")):
        again = _login(behind_balancer, alice.client_id, alice.client_secret, *lines)
        assert again.status_code == 429, (lines, again.text)


def test_the_audit_trail_keeps_every_forwarded_for_line(behind_balancer):
    writer = behind_balancer.principal("contributor")
    token = behind_balancer.token(writer)
    transport = httpx.HTTPTransport(verify=behind_balancer.tls(), local_address=BALANCER)
    with httpx.Client(transport=transport, timeout=30) as http:
        created = http.put(
            behind_balancer.base_url
            + f"/packer/2021-04-30/organizations/{behind_balancer.org_id}"
            + f"/projects/{behind_balancer.project_id}/images",
            json={"bucket_slug": "through-the-balancer"},
            headers=[
                ("Authorization", f"Bearer {token}"),
                ("X-Forwarded-For", "198.51.100.5"),
                ("X-Forwarded-For", "192.0.2.9"),
            ],
        )
    assert created.status_code == 200, created.text
    events = json.loads(behind_balancer.cli("audit", "--json").stdout)
    event = next(e for e in events if e["operation"] == "CreateBucket")
    assert event["forwarded_for"] == "198.51.100.5, 192.0.2.9"
    assert event["source"] == BALANCER
