"""Headers of every answer: nosniff everywhere, HSTS over TLS, no-store on every answer that
carries a secret (tokens, run-task HMAC keys) and only there; a wrong method on a known path
answers 405 with Allow, in the API's error shape."""

from __future__ import annotations

import httpx

from tests.api.conftest import error
from tests.support.server import LiveServer

FORM = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}


def _secure(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff", response.request.url
    assert response.headers["strict-transport-security"] == "max-age=31536000"


def _not_stored(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store", response.request.url
    assert response.headers["pragma"] == "no-cache"


def test_token_answers_are_never_stored(live_server: LiveServer):
    principal = live_server.principal("viewer")
    tls = live_server.tls()
    url = live_server.base_url + "/oauth2/token"
    issued = httpx.post(
        url, data=FORM, auth=(principal.client_id, principal.client_secret), verify=tls
    )
    assert issued.status_code == 200
    refused = httpx.post(url, data=FORM, auth=(principal.client_id, "wrong"), verify=tls)
    assert refused.status_code == 401
    for response in (issued, refused):
        _not_stored(response)
        _secure(response)


def test_run_task_keys_are_never_stored(admin):
    for prefix in (admin.v1, admin.v2):
        read = admin.get(prefix + "/runtasks/validation")
        assert read.status_code == 200 and read.json()["hmac_key"]
        regenerated = admin.patch(prefix + "/runtasks/hmac", json={})
        assert regenerated.status_code == 200 and regenerated.json()["hmac_key"]
        for response in (read, regenerated):
            _not_stored(response)
            _secure(response)


def test_every_answer_is_nosniff_and_strict_transport(live_server: LiveServer, admin, name):
    tls = live_server.tls()
    created = admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    read = admin.get(admin.v1 + f"/images/{name}")
    cached = admin.get(admin.v1 + f"/images/{name}")
    answers = [
        created,
        read,
        cached,
        admin.get(admin.v1 + "/images/no-such-bucket"),
        admin.get("/nowhere", check=False),
        httpx.get(live_server.base_url + "/healthz", verify=tls),
        httpx.get(live_server.base_url + "/metrics", verify=tls),
        httpx.get(live_server.base_url + admin.v1 + "/images", verify=tls),  # no token
    ]
    for response in answers:
        _secure(response)
    for response in (created, read, cached):
        assert "cache-control" not in response.headers  # nothing secret in these


def test_a_wrong_method_answers_405_with_allow(admin, name):
    response = admin.request("POST", admin.v1 + "/images", check=False)
    error(response, 405, 12)
    assert response.headers["allow"] == "GET, HEAD, PUT"
    # A path served by several routes allows what any of them serves.
    admin.put(admin.v1 + "/images", json={"bucket_slug": name})
    bucket = admin.request("POST", admin.v1 + f"/images/{name}", check=False)
    error(bucket, 405, 12)
    assert bucket.headers["allow"] == "DELETE, GET, HEAD, PATCH"
    assert "PATCH" in bucket.json()["message"]
    token = admin.request("GET", "/oauth2/token", check=False)
    error(token, 405, 12)
    assert token.headers["allow"] == "POST"
