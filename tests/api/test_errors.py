"""Bad input anywhere gets the error envelope and writes nothing."""

from __future__ import annotations

from tests.api.conftest import error


def test_unknown_routes_and_methods(admin):
    error(admin.get("/nowhere", check=False), 404, 5)
    error(admin.get(admin.v1 + "/images/x/y/z/w", check=False), 404, 5)
    error(admin.request("POST", admin.v1 + "/images", check=False), 405, 12)


def test_malformed_bodies(admin, name):
    url = admin.v1 + "/images"
    error(admin.put(url, content=b"{not json"), 400, 3)
    error(admin.put(url, json={"bucket_slug": 42}), 400, 3)
    error(admin.put(url, json={"bucket_slug": name, "labels": {"a": 1}}), 400, 3)
    error(admin.put(url, json=[1, 2]), 400, 3)
    error(admin.get(url + f"/{name}"), 404, 5)  # nothing half-written


def test_body_limit(admin, name):
    huge = {"bucket_slug": name, "description": "x" * (5 * 1024 * 1024)}
    body = error(admin.put(admin.v1 + "/images", json=huge), 400, 3)
    assert "limit" in body["message"]
    error(admin.get(admin.v1 + f"/images/{name}"), 404, 5)


def test_unknown_fields_and_parameters_ignored(admin, name):
    created = admin.put(
        admin.v1 + "/images",
        params={"whatever": "1"},
        json={"bucket_slug": name, "surprise": {"deep": [1, 2]}},
    )
    assert created.status_code == 200, created.text


def test_error_body_names_code_once(admin):
    response = admin.get(admin.v1 + "/images/missing")
    assert response.text.count('"code"') == 1


def test_health_and_metrics(live_server, admin):
    import httpx

    tls = live_server.tls()
    assert httpx.get(live_server.base_url + "/healthz", verify=tls).json() == {"status": "ok"}
    assert httpx.get(live_server.base_url + "/readyz", verify=tls).status_code == 200
    admin.get(admin.v1 + "/images")
    metrics = httpx.get(live_server.base_url + "/metrics", verify=tls).text
    assert 'packyard_requests_total{operation="ListBuckets",status="200"}' in metrics
    assert "packyard_request_seconds_bucket" in metrics
    response = admin.get(admin.v1 + "/images")
    assert len(response.headers["x-request-id"]) == 26
