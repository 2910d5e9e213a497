"""A project id in the path that is not one of the key's organization is not found.

An organization-wide key names its own organization in the path and, beside it, a project id
that does not exist or belongs to another organization: every route of both planes answers
404 code 5 "project not found" (not 400 code 9 "registry not activated"), the same for both,
reads a second time (when a cache could answer) and writes alike, and nothing is written.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.api.conftest import error
from tests.support.server import ApiClient, LiveServer, Principal, packyard

PLANES = {"2021-04-30": ("/images", "bucket_slug"), "2023-01-01": ("/buckets", "name")}


def _other_organization(live_server: LiveServer, name: str) -> tuple[str, ApiClient]:
    """Another organization's project, and an admin key of that organization."""
    created = json.loads(
        packyard(
            "project",
            "create",
            f"elsewhere-{name}",
            "--new-organization",
            "--json",
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    key = json.loads(
        packyard(
            "principal",
            "create",
            f"elsewhere-admin-{name}",
            "--role",
            "admin",
            "--json",
            "--organization",
            created["organization_id"],
            data_dir=live_server.data_dir,
            database=live_server.database,
        ).stdout
    )
    theirs = live_server.api(
        principal=Principal("o", "admin", key["client_id"], key["client_secret"])
    )
    theirs.v2 = (
        f"/packer/2023-01-01/organizations/{created['organization_id']}"
        f"/projects/{created['project_id']}"
    )
    return created["project_id"], theirs


def _not_found(response: object) -> None:
    assert error(response, 404, 5)["message"] == "project not found"


@pytest.mark.parametrize("plane", PLANES)
def test_a_project_not_of_the_keys_organization_is_not_found(
    live_server: LiveServer, admin: ApiClient, name: str, plane: str
) -> None:
    elsewhere, theirs = _other_organization(live_server, name)
    listed, bucket_field = PLANES[plane]
    for project_id in (str(uuid.uuid4()), elsewhere):
        path = f"/packer/{plane}/organizations/{live_server.org_id}/projects/{project_id}"
        for _ in range(2):  # the second read is one a cache could answer
            _not_found(admin.get(path + listed))
            _not_found(admin.get(path + f"{listed}/{name}"))
            _not_found(admin.get(path + "/registry"))
        _not_found(admin.put(path + listed, json={bucket_field: name}))
        _not_found(admin.put(path + "/registry", json={"feature_tier": "STANDARD"}))
        _not_found(admin.patch(path + "/registry", json={"feature_tier": "PLUS"}))
        _not_found(admin.delete(path + "/registry"))
        _not_found(admin.get(path + listed))  # still nothing there
    # The other organization's own key sees its project as it was: no bucket, registry on.
    assert theirs.get(theirs.v2 + "/buckets").json()["buckets"] == []
    registry = theirs.get(theirs.v2 + "/registry").json()["registry"]
    assert registry["config"]["activated"] is True
    assert registry["config"]["feature_tier"] != "PLUS"
