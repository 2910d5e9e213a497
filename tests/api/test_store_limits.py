"""Values at the edge of what the store keeps answer cleanly on both backends."""

from __future__ import annotations

from tests.api.conftest import error


def test_names_longer_than_the_schema_keeps(admin, live_server, name):
    """A bucket name may have the schema's 255 characters; a longer one is refused with
    400 code 3 on either backend, and nothing is half-written."""
    fits = name + "x" * (255 - len(name))
    assert admin.put(admin.v2 + "/buckets", json={"name": fits}).status_code == 200
    assert admin.get(admin.v2 + f"/buckets/{fits}").json()["bucket"]["name"] == fits
    longer = fits + "y"
    body = error(admin.put(admin.v2 + "/buckets", json={"name": longer}), 400, 3)
    assert "longer than 255" in body["message"]
    error(admin.get(admin.v2 + f"/buckets/{longer}"), 404, 5)
    assert fits in _every_bucket(admin) and longer not in _every_bucket(admin)


def _every_bucket(admin):
    """The names of every bucket the project has, page by page (the server is shared)."""
    names, params = [], {}
    while True:
        page = admin.get(admin.v2 + "/buckets", params=params).json()
        names += [bucket["name"] for bucket in page["buckets"]]
        token = page.get("pagination", {}).get("next_page_token")
        if not token:
            return names
        params = {"pagination.next_page_token": token}


def test_nul_characters(admin, live_server, name):
    """No store keeps a NUL in text: a request body with one is refused with 400 code 3."""
    error(admin.put(admin.v2 + "/buckets", json={"name": name + "\u0000nul"}), 400, 3)
    fingerprint = admin.put(admin.v2 + "/buckets", json={"name": name})
    assert fingerprint.status_code == 200
    made = admin.post(
        admin.v2 + f"/buckets/{name}/versions",
        json={"fingerprint": "fp\u0000", "template_type": "HCL2"},
    )
    error(made, 400, 3)
    assert admin.get(admin.v2 + f"/buckets/{name}/versions").json()["versions"] == []
