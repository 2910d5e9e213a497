"""Helpers for the API tests: unique names and a whole Packer-like push over HTTP."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.support.server import ApiClient

_names = itertools.count()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A bucket name unique in the session."""
    return f"{request.node.name.replace('_', '-')[:40]}-{next(_names)}"


def error(response: Any, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message"]
    assert body["details"] == []
    return body


def push(
    api: ApiClient,
    bucket: str,
    fingerprint: str,
    *,
    components: tuple[str, ...] = ("null.a", "file.b"),
    finish: bool = True,
    parent: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What Packer 1.9 does: bucket, iteration, builds RUNNING then DONE with images."""
    created = api.put(api.v1 + "/images", json={"bucket_slug": bucket})
    assert created.status_code in (200, 409), created.text
    response = api.post(api.v1 + f"/images/{bucket}/iterations", json={"fingerprint": fingerprint})
    assert response.status_code == 200, response.text
    iteration = response.json()["iteration"]
    build_ids = {}
    for component in components:  # Packer creates every build before running any
        fields: dict[str, Any] = {"component_type": component, "status": "UNSET"}
        if parent:
            fields["source_iteration_id"], fields["source_channel_id"] = parent
        build = api.post(
            api.v1 + f"/images/{bucket}/iterations/{iteration['id']}",
            json={"build": fields, "fingerprint": fingerprint},
        )
        assert build.status_code == 200, build.text
        build_ids[component] = build.json()["build"]["id"]
    for component, build_id in build_ids.items():
        running = api.patch(api.v1 + f"/builds/{build_id}", json={"updates": {"status": "RUNNING"}})
        assert running.status_code == 200, running.text
        if finish:
            done = api.patch(
                api.v1 + f"/builds/{build_id}",
                json={
                    "updates": {
                        "status": "DONE",
                        "cloud_provider": component.split(".")[0],
                        "images": [{"image_id": f"img-{component}", "region": "r1"}],
                        "labels": {"component": component},
                    }
                },
            )
            assert done.status_code == 200, done.text
    got = api.get(api.v1 + f"/images/{bucket}/iteration", params={"iteration_id": iteration["id"]})
    assert got.status_code == 200, got.text
    result: dict[str, Any] = got.json()["iteration"]
    return result
