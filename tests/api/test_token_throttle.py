"""Brute force at the token endpoint is slowed per client id from one source address, per
client id from anywhere (a higher limit) and per source address, and no secret or token
reaches the server's log.

A server of its own with small limits, so the session's shared server keeps its counts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import ApiClient, LiveServer, running_server

FORM = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}
PER_CLIENT_ADDRESS, PER_CLIENT, PER_ADDRESS, WINDOW = 3, 5, 6, 5


@pytest.fixture(scope="module")
def throttled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_CLIENT_ADDRESS", str(PER_CLIENT_ADDRESS))
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_CLIENT", str(PER_CLIENT))
        env.setenv("PACKYARD_LOGIN_FAILURES_PER_ADDRESS", str(PER_ADDRESS))
        env.setenv("PACKYARD_LOGIN_FAILURE_WINDOW", str(WINDOW))
        env.setenv("PACKYARD_TRUSTED_PROXIES", "127.0.0.3")
        with running_server(tmp_path_factory.mktemp("throttled")) as server:
            yield server


def _login(
    server: LiveServer,
    client_id: str,
    secret: str,
    *,
    source: str = "127.0.0.1",
    forwarded: str | None = None,
    in_form: bool = False,
) -> httpx.Response:
    """A login from a loopback source address, credentials in Basic auth or the form."""
    transport = httpx.HTTPTransport(verify=server.tls(), local_address=source)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    data, auth = (
        ({**FORM, "client_id": client_id, "client_secret": secret}, None)
        if in_form
        else (FORM, (client_id, secret))
    )
    with httpx.Client(transport=transport, timeout=30) as http:
        return http.post(server.base_url + "/oauth2/token", data=data, auth=auth, headers=headers)


def _refused(response: httpx.Response) -> int:
    """A 429 in the OAuth error shape; answers its Retry-After seconds."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"}, body
    assert body["error"] == "slow_down"
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= WINDOW
    return seconds


def _rejected(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"


def test_brute_force_is_limited_per_client_id_and_per_address(throttled):
    mallory, alice = throttled.principal("viewer"), throttled.principal("viewer")
    # Successful logins never count: many more than any limit, all served.
    for _ in range(PER_ADDRESS + 2):
        assert _login(throttled, alice.client_id, alice.client_secret).status_code == 200

    # Guessing one client's secret from one address: refused there after PER_CLIENT_ADDRESS
    # failures, even the right secret; the client from elsewhere, and other clients from
    # the same address, go on.
    for guess in range(PER_CLIENT_ADDRESS):
        _rejected(_login(throttled, mallory.client_id, f"guess-{guess}"))
    _refused(_login(throttled, mallory.client_id, mallory.client_secret))
    assert _login(
        throttled, mallory.client_id, mallory.client_secret, source="127.0.0.2"
    ).is_success
    assert _login(throttled, alice.client_id, alice.client_secret).status_code == 200

    # Guessing client ids from one address: the address is refused after PER_ADDRESS failures
    # in all (claiming another address in X-Forwarded-For does not help), others go on.
    for guess in range(PER_ADDRESS - PER_CLIENT_ADDRESS):
        _rejected(_login(throttled, f"unknown-{guess}", "x"))
    _refused(_login(throttled, alice.client_id, alice.client_secret))
    _refused(_login(throttled, alice.client_id, alice.client_secret, forwarded="192.0.2.9"))
    assert _login(throttled, alice.client_id, alice.client_secret, source="127.0.0.2").is_success

    # Behind a trusted proxy (127.0.0.3), each forwarded address has its own count.
    for guess in range(PER_ADDRESS):
        _rejected(_login(throttled, f"p-{guess}", "x", source="127.0.0.3", forwarded="192.0.2.1"))
    _refused(_login(throttled, alice.client_id, alice.client_secret, source="127.0.0.3",
                    forwarded="192.0.2.1"))  # fmt: skip
    assert _login(
        throttled, alice.client_id, alice.client_secret, source="127.0.0.3", forwarded="192.0.2.2"
    ).is_success

    # Once Retry-After has passed, the right secret works again (a client of its own, whose
    # count from anywhere is not already part spent, however fast the steps above ran).
    carol = throttled.principal("viewer")
    for guess in range(PER_CLIENT_ADDRESS):
        _rejected(_login(throttled, carol.client_id, f"again-{guess}", source="127.0.0.4"))
    wait = _refused(_login(throttled, carol.client_id, carol.client_secret, source="127.0.0.4"))
    time.sleep(wait + 0.2)
    assert _login(throttled, carol.client_id, carol.client_secret, source="127.0.0.4").is_success


def test_a_known_client_id_failed_on_purpose_elsewhere_does_not_lock_out_its_owner(throttled):
    owner = throttled.principal("contributor")
    usual, attacker = "127.0.0.5", "127.0.0.6"
    assert _login(throttled, owner.client_id, owner.client_secret, source=usual).is_success
    # Someone who knows the client id fails with it on purpose, and goes on failing.
    for guess in range(PER_CLIENT_ADDRESS):
        _rejected(_login(throttled, owner.client_id, f"guess-{guess}", source=attacker))
    for _ in range(3):
        _refused(_login(throttled, owner.client_id, "guess", source=attacker))
        assert _login(throttled, owner.client_id, owner.client_secret, source=usual).is_success
    _refused(_login(throttled, owner.client_id, owner.client_secret, source=attacker))


def test_a_client_id_failing_from_many_addresses_is_limited_everywhere(throttled):
    target = throttled.principal("viewer")
    addresses = [f"127.0.0.{number}" for number in range(7, 7 + PER_CLIENT)]
    for address in addresses:  # one failure each, far below each address's own limits
        _rejected(_login(throttled, target.client_id, "guess", source=address))
    for address in ("127.0.0.5", "127.0.0.20", addresses[0]):
        _refused(_login(throttled, target.client_id, target.client_secret, source=address))
    other = throttled.principal("viewer")
    assert _login(throttled, other.client_id, other.client_secret, source=addresses[0]).is_success


def test_secrets_and_tokens_never_reach_the_log(throttled):
    principal = throttled.principal("contributor")
    wrong = "wrong-secret-" + principal.client_secret[:12][::-1]
    basic = _login(throttled, principal.client_id, principal.client_secret, source="127.0.0.4")
    assert basic.status_code == 200
    form = _login(
        throttled, principal.client_id, principal.client_secret, source="127.0.0.4", in_form=True
    )
    assert form.status_code == 200
    _rejected(_login(throttled, principal.client_id, wrong, source="127.0.0.4"))
    tokens = [basic.json()["access_token"], form.json()["access_token"]]
    api = ApiClient(throttled, tokens[0])
    assert api.get(api.v1 + "/images").status_code == 200
    # The token and secret where a careless client might put them: query, body, bad paths.
    api.get(api.v1 + "/images", params={"access_token": tokens[1]})
    api.put(api.v1 + "/images", json={"bucket_slug": "b", "description": principal.client_secret})
    api.get(api.v1 + "/images/nowhere", params={"secret": principal.client_secret})
    api.get(f"/nowhere?token={tokens[1]}", check=False)
    ApiClient(throttled, tokens[1] + "x").get(api.v1 + "/images")
    ApiClient(throttled, principal.client_secret).get(api.v1 + "/images")

    text = throttled.log_text()
    assert text.count('"path": "/oauth2/token"') >= 3  # the requests were logged ...
    assert '"status": 401' in text
    for secret in (principal.client_secret, wrong, *tokens):
        assert secret not in text  # ... and never what they carried
    assert "access_token" not in text
