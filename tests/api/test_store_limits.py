"""Values at the edge of what the store keeps answer cleanly on both backends."""

from __future__ import annotations

from tests.api.conftest import error


def test_names_longer_than_the_schema_keeps(admin, live_server, name):
    """PostgreSQL keeps the schema's 255 characters for a bucket name and refuses more with
    400 code 3; SQLite keeps the longer name. Either way nothing is half-written."""
    fits = name + "x" * (255 - len(name))
    assert admin.put(admin.v2 + "/buckets", json={"name": fits}).status_code == 200
    assert admin.get(admin.v2 + f"/buckets/{fits}").json()["bucket"]["name"] == fits
    longer = fits + "y"
    created = admin.put(admin.v2 + "/buckets", json={"name": longer})
    if live_server.backend == "postgresql":
        body = error(created, 400, 3)
        assert "too long" in body["message"]
        error(admin.get(admin.v2 + f"/buckets/{longer}"), 404, 5)
    else:
        assert created.status_code == 200, created.text
    listed = [b["name"] for b in admin.get(admin.v2 + "/buckets").json()["buckets"]]
    assert fits in listed


def test_nul_characters(admin, live_server, name):
    """A NUL in a name: PostgreSQL cannot keep it (400 code 3), SQLite keeps it."""
    created = admin.put(admin.v2 + "/buckets", json={"name": name + "\u0000nul"})
    if live_server.backend == "postgresql":
        error(created, 400, 3)
    else:
        assert created.status_code == 200, created.text
    fingerprint = admin.put(admin.v2 + "/buckets", json={"name": name})
    assert fingerprint.status_code == 200
    made = admin.post(
        admin.v2 + f"/buckets/{name}/versions",
        json={"fingerprint": "fp\u0000", "template_type": "HCL2"},
    )
    if live_server.backend == "postgresql":
        error(made, 400, 3)
        assert admin.get(admin.v2 + f"/buckets/{name}/versions").json()["versions"] == []
    else:
        assert made.status_code == 200, made.text
