"""The resource-manager reads that clients make before anything else."""

from __future__ import annotations

from tests.api.conftest import error

RM = "/resource-manager/2019-12-10"


def test_organizations_and_projects(live_server, viewer):
    orgs = viewer.get(RM + "/organizations").json()
    assert [o["id"] for o in orgs["organizations"]] == [live_server.org_id]
    assert orgs["organizations"][0]["state"] == "ACTIVE"
    assert "pagination" in orgs
    projects = viewer.get(
        RM + "/projects", params={"scope.type": "ORGANIZATION", "scope.id": live_server.org_id}
    ).json()
    assert projects["projects"][0]["id"] == live_server.project_id
    assert projects["projects"][0]["parent"] == {"type": "ORGANIZATION", "id": live_server.org_id}
    project = viewer.get(RM + f"/projects/{live_server.project_id}").json()["project"]
    assert project["parent"]["id"] == live_server.org_id
    assert project["state"] == "ACTIVE"
    error(viewer.get(RM + "/projects/00000000-0000-0000-0000-000000000000"), 404, 5)
    error(viewer.get(RM + "/projects", params={"scope.type": "PROJECT"}), 400, 3)
    other = viewer.get(RM + "/projects", params={"scope.type": "ORGANIZATION", "scope.id": "x"})
    assert other.json()["projects"] == []
