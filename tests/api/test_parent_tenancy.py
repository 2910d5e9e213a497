"""A build's parents are ones its caller may read, and ancestry shows a viewer only what it may
read: another tenant's version or channel, or a restricted channel a viewer may not read, is
refused as an id that does not exist (the same answer, byte for byte apart from the id)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import or_, select, update

from packyard.store.tables import buckets, builds, versions
from tests.api.conftest import error, push
from tests.api.tenants import Tenant, _store, new_tenant
from tests.api.test_bucket_iam import granted
from tests.api.test_v2023 import push2023
from tests.support.server import ApiClient, LiveServer

UNKNOWN = "01JZZZZZZZZZZZZZZZZZZZZZZZ"  # as long as a real id, and in no store
PLANES = ("2021-04-30", "2023-01-01")
FIELDS = {
    "2021-04-30": {"version": "source_iteration_id", "channel": "source_channel_id"},
    "2023-01-01": {"version": "parent_version_id", "channel": "parent_channel_id"},
}
_fingerprints = itertools.count()


@dataclass
class Content:
    """A complete version and a channel on it, in some tenant's project."""

    bucket: str
    version_id: str
    channel_id: str


def _content(api: ApiClient, bucket: str, *, restricted: bool = False) -> Content:
    version = push2023(api, bucket, "fp-1", components=("null.a",))
    channel = api.post(
        api.v2 + f"/buckets/{bucket}/channels",
        json={"name": "stable", "version_fingerprint": "fp-1", "restricted": restricted},
    )
    assert channel.status_code == 200, channel.text
    return Content(bucket, version["id"], channel.json()["channel"]["id"])


@dataclass
class Tenants:
    home: Tenant  # a project of the server's organization: the callers
    neighbour: Content  # another project of the same organization
    foreign: Content  # a project of another organization
    foreign_admin: ApiClient


@pytest.fixture(scope="module")
def tenants(live_server: LiveServer) -> Tenants:
    home = new_tenant(live_server)
    for role in ("admin", "contributor", "viewer"):
        home.clients[role] = home.client(role)
    neighbour = new_tenant(live_server)
    neighbour.clients["admin"] = neighbour.client("admin")
    foreign = new_tenant(live_server, new_organization=True)
    foreign.clients["admin"] = foreign.client("admin", bound=False)
    return Tenants(
        home,
        _content(neighbour.admin, neighbour.name()),
        _content(foreign.admin, foreign.name()),
        foreign.admin,
    )


def _bucket_and_version(api: ApiClient, plane: str, bucket: str) -> tuple[str, str]:
    """A bucket with an incomplete version: (fingerprint, version id)."""
    fingerprint = f"fp-{next(_fingerprints)}"
    if plane == "2021-04-30":
        api.put(api.v1 + "/images", json={"bucket_slug": bucket})
        created = api.post(
            api.v1 + f"/images/{bucket}/iterations", json={"fingerprint": fingerprint}
        )
        assert created.status_code == 200, created.text
        return fingerprint, created.json()["iteration"]["id"]
    api.put(api.v2 + "/buckets", json={"name": bucket})
    created = api.post(api.v2 + f"/buckets/{bucket}/versions", json={"fingerprint": fingerprint})
    assert created.status_code == 200, created.text
    return fingerprint, created.json()["version"]["id"]


def _create(
    api: ApiClient, plane: str, bucket: str, parents: dict[str, str], component: str
) -> tuple[str, httpx.Response]:
    fingerprint, version_id = _bucket_and_version(api, plane, bucket)
    fields = {FIELDS[plane][kind]: value for kind, value in parents.items()}
    if plane == "2021-04-30":
        return fingerprint, api.post(
            api.v1 + f"/images/{bucket}/iterations/{version_id}",
            json={
                "fingerprint": fingerprint,
                "build": {"component_type": component, "status": "UNSET", **fields},
            },
        )
    return fingerprint, api.post(
        api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds",
        json={"component_type": component, "status": "BUILD_UNSET", **fields},
    )


def create_build(
    api: ApiClient, plane: str, bucket: str, parents: dict[str, str], component: str = "null.a"
) -> httpx.Response:
    """CreateBuild in a new version of the bucket, naming these parents (by "version" and
    "channel")."""
    return _create(api, plane, bucket, parents, component)[1]


def update_build(
    api: ApiClient, plane: str, bucket: str, parents: dict[str, str]
) -> httpx.Response:
    """UpdateBuild of a new build (made with no parent), naming these parents."""
    fingerprint, created = _create(api, plane, bucket, {}, "null.a")
    assert created.status_code == 200, created.text
    build = created.json()["build"]
    fields = {FIELDS[plane][kind]: value for kind, value in parents.items()}
    if plane == "2021-04-30":
        return api.patch(api.v1 + f"/builds/{build['id']}", json={"updates": fields})
    return api.patch(
        api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds/{build['id']}", json=fields
    )


def same_refusal(refused: httpx.Response, unknown: httpx.Response, refused_id: str) -> None:
    """The refusal of a real id answers exactly as an id that does not exist."""
    error(refused, 400, 3)
    assert refused.status_code == unknown.status_code
    assert refused.content.replace(refused_id.encode(), b"<id>") == unknown.content.replace(
        UNKNOWN.encode(), b"<id>"
    )


@pytest.mark.parametrize("plane", PLANES)
def test_another_tenants_parents_are_refused_as_unknown(tenants: Tenants, plane: str) -> None:
    caller = tenants.home.clients["contributor"]  # bound to its own project
    bucket = tenants.home.name()
    for other in (tenants.neighbour, tenants.foreign):
        for kind, real in (("version", other.version_id), ("channel", other.channel_id)):
            for call in (create_build, update_build):
                refused = call(caller, plane, bucket, {kind: real})
                unknown = call(caller, plane, bucket, {kind: UNKNOWN})
                same_refusal(refused, unknown, real)
    with _store(tenants.home.server) as store, store.transaction() as conn:
        linked = conn.execute(
            select(builds.c.id)
            .join(versions, versions.c.id == builds.c.version_id)
            .join(buckets, buckets.c.id == versions.c.bucket_id)
            .where(
                buckets.c.project_id == tenants.home.project_id,
                buckets.c.name == bucket,
                or_(
                    builds.c.parent_version_id.is_not(None), builds.c.parent_channel_id.is_not(None)
                ),
            )
        ).all()
    assert linked == []  # no refused link was recorded


@pytest.mark.parametrize("plane", PLANES)
def test_an_organization_wide_key_links_to_its_other_projects(
    live_server: LiveServer, tenants: Tenants, plane: str
) -> None:
    caller = live_server.api("contributor")  # of the whole organization: it reads both projects
    caller.v1, caller.v2 = tenants.home.admin.v1, tenants.home.admin.v2
    other = tenants.neighbour
    parents = {"version": other.version_id, "channel": other.channel_id}
    created = create_build(caller, plane, tenants.home.name(), parents)
    assert created.status_code == 200, created.text
    refused = create_build(
        caller, plane, tenants.home.name(), {"version": tenants.foreign.version_id}
    )
    unknown = create_build(caller, plane, tenants.home.name(), {"version": UNKNOWN})
    same_refusal(refused, unknown, tenants.foreign.version_id)


def test_a_foreign_revocation_is_not_inherited(tenants: Tenants) -> None:
    caller = tenants.home.clients["contributor"]
    bucket = tenants.home.name()
    foreign = tenants.foreign
    linked = create_build(caller, "2021-04-30", bucket, {"version": foreign.version_id})
    error(linked, 400, 3)
    mine = push(caller, bucket, "own-1", components=("null.a",))
    foreign_admin = tenants.foreign_admin
    revoked = foreign_admin.patch(
        foreign_admin.v1 + f"/iterations/{foreign.version_id}",
        json={"revoke_in": "0s", "revocation_message": "foreign-reason"},
    )
    assert revoked.status_code == 200, revoked.text
    seen = caller.get(
        caller.v1 + f"/images/{bucket}/iteration", params={"iteration_id": mine["id"]}
    )
    iteration = seen.json()["iteration"]
    assert "revoke_at" not in iteration or not iteration["revoke_at"], iteration
    assert "foreign-reason" not in seen.text
    assert not iteration.get("revocation_author")


def _family_with_restricted_parent(tenants: Tenants) -> tuple[str, str, Content]:
    """A base bucket with a restricted channel, and a child built from it: (base, child)."""
    home = tenants.home
    base = _content(home.admin, home.name(), restricted=True)
    child = home.name()
    built = create_build(
        home.clients["contributor"],
        "2023-01-01",
        child,
        {"version": base.version_id, "channel": base.channel_id},
    )
    assert built.status_code == 200, built.text
    build = built.json()["build"]
    fingerprint = home.admin.get(home.admin.v2 + f"/buckets/{child}/versions").json()["versions"][
        0
    ]["fingerprint"]
    done = home.admin.patch(
        home.admin.v2 + f"/buckets/{child}/versions/{fingerprint}/builds/{build['id']}",
        json={
            "status": "BUILD_DONE",
            "platform": "null",
            "artifacts": [{"external_identifier": "ext-child", "region": "r1"}],
        },
    )
    assert done.status_code == 200, done.text
    return base.bucket, child, base


def test_ancestry_hides_a_restricted_parent_channel_from_a_viewer(tenants: Tenants) -> None:
    home = tenants.home
    base, child, content = _family_with_restricted_parent(tenants)
    admin, viewer = home.admin, home.clients["viewer"]
    v1 = admin.get(admin.v1 + f"/images/{child}/ancestry", params={"type": "parents"}).json()
    assert v1["relations"][0]["parent"]["channel"] == "stable"
    assert v1["relations"][0]["status"] == "UP_TO_DATE"
    for _ in range(2):  # and again, as a cached read would answer
        seen = viewer.get(viewer.v1 + f"/images/{child}/ancestry", params={"type": "parents"})
        relation = seen.json()["relations"][0]
        assert relation["parent"]["iteration_id"] == content.version_id
        assert not relation["parent"].get("channel")
        assert "channel_iteration" not in relation["parent"]
        assert relation["status"] == "UNDETERMINED"
        assert content.channel_id not in seen.text
        v2 = viewer.get(
            viewer.v2 + f"/buckets/{child}/ancestry", params={"type": "ANCESTRY_TYPE_PARENTS"}
        )
        parent = v2.json()["relations"][0]["parent"]
        assert parent["version_id"] == content.version_id
        assert not parent.get("channel_name") and not parent.get("channel_version")
        assert viewer.get(viewer.v1 + f"/images/{child}").json()["bucket"]["parents"]["status"] == (
            "UNDETERMINED"
        )
        assert viewer.get(viewer.v2 + f"/buckets/{child}").json()["bucket"]["parents"][
            "status"
        ] == ("UNDETERMINED")
    assert admin.get(admin.v2 + f"/buckets/{child}").json()["bucket"]["parents"]["status"] == (
        "UP_TO_DATE"
    )
    # Filtering children by the restricted channel answers as for a channel that does not exist.
    hidden = viewer.get(
        viewer.v1 + f"/images/{base}/ancestry", params={"type": "children", "channel": "stable"}
    )
    missing = viewer.get(
        viewer.v1 + f"/images/{base}/ancestry", params={"type": "children", "channel": "stabl3"}
    )
    error(hidden, 400, 3)
    assert hidden.content.replace(b"stable", b"<name>") == missing.content.replace(
        b"stabl3", b"<name>"
    )
    shown = admin.get(
        admin.v1 + f"/images/{base}/ancestry", params={"type": "children", "channel": "stable"}
    )
    assert [r["child"]["bucket_slug"] for r in shown.json()["relations"]] == [child]


def test_ancestry_shows_no_version_of_a_project_the_key_cannot_read(
    live_server: LiveServer, tenants: Tenants
) -> None:
    """A child built in another project by an organization-wide key is not shown to a key
    bound to the parent's project."""
    home = tenants.home
    base = _content(home.admin, home.name())
    writer = live_server.api("contributor")  # organization-wide
    neighbour = new_tenant(live_server)
    writer.v1 = writer.v1.replace(live_server.project_id, neighbour.project_id)
    writer.v2 = writer.v2.replace(live_server.project_id, neighbour.project_id)
    child = neighbour.name()
    built = create_build(writer, "2021-04-30", child, {"version": base.version_id})
    assert built.status_code == 200, built.text
    wide = live_server.api("viewer")
    wide.v1, wide.v2 = home.admin.v1, home.admin.v2
    params = {"type": "children"}
    assert [
        r["child"]["bucket_slug"]
        for r in wide.get(wide.v1 + f"/images/{base.bucket}/ancestry", params=params).json()[
            "relations"
        ]
    ] == [child]
    summary = wide.get(wide.v1 + f"/images/{base.bucket}").json()["bucket"]  # now cached
    assert summary["children"]["status"] == "UNDETERMINED"
    bound = home.clients["viewer"]
    assert "children" not in bound.get(bound.v1 + f"/images/{base.bucket}").json()["bucket"]
    for _ in range(2):
        seen = bound.get(bound.v1 + f"/images/{base.bucket}/ancestry", params=params)
        assert seen.json()["relations"] == [], seen.text
        assert child not in seen.text
        assert (
            child not in bound.get(bound.v1 + f"/images/{base.bucket}/iterations/1/children").text
        )


@pytest.mark.parametrize("plane", PLANES)
def test_a_restricted_parent_channel_needs_contributor_on_its_bucket(
    live_server: LiveServer, admin: ApiClient, name: str, plane: str
) -> None:
    """A viewer granted contributor on one bucket builds there, but may not name a restricted
    channel of a bucket where it is only a viewer; an open channel there it may."""
    locked = _content(admin, f"{name}-locked", restricted=True)
    opened = _content(admin, f"{name}-open")
    child = f"{name}-child"
    admin.put(admin.v2 + "/buckets", json={"name": child})
    builder = granted(live_server, admin, child, "roles/contributor")
    refused = create_build(builder, plane, child, {"channel": locked.channel_id})
    unknown = create_build(builder, plane, child, {"channel": UNKNOWN})
    same_refusal(refused, unknown, locked.channel_id)
    allowed = create_build(builder, plane, child, {"channel": opened.channel_id})
    assert allowed.status_code == 200, allowed.text
    by_admin = create_build(admin, plane, child, {"channel": locked.channel_id}, "null.b")
    assert by_admin.status_code == 200, by_admin.text


def test_a_link_to_another_organization_recorded_before_passes_nothing_on(
    live_server: LiveServer, tenants: Tenants, name: str
) -> None:
    """A store from before parents were checked may hold a build linked to another
    organization's version: that version's revocation is not inherited through it, and
    ancestry does not show it."""
    caller = tenants.home.clients["contributor"]
    bucket = tenants.home.name()
    mine = push(caller, bucket, "legacy-1", components=("null.a",))
    theirs = _content(tenants.foreign_admin, f"{name}-theirs")
    with _store(live_server) as store, store.transaction(write=True) as conn:
        conn.execute(
            update(builds)
            .where(builds.c.id == mine["builds"][0]["id"])
            .values(parent_version_id=theirs.version_id)
        )
    revoked = tenants.foreign_admin.patch(
        tenants.foreign_admin.v1 + f"/iterations/{theirs.version_id}",
        json={"revoke_in": "0s", "revocation_message": "their-reason"},
    )
    assert revoked.status_code == 200, revoked.text
    seen = caller.get(
        caller.v1 + f"/images/{bucket}/iteration", params={"iteration_id": mine["id"]}
    )
    assert not seen.json()["iteration"].get("revoke_at"), seen.text
    assert "their-reason" not in seen.text
    parents = caller.get(caller.v1 + f"/images/{bucket}/ancestry", params={"type": "parents"})
    assert parents.json()["relations"] == [], parents.text
    assert theirs.version_id not in parents.text


def test_a_revocation_reaches_the_cached_reads_of_a_child_in_another_project(
    live_server: LiveServer, tenants: Tenants
) -> None:
    """A child built in another project of the organization inherits its parent's revocation
    (and its restoration), and that project's cached reads show it at once."""
    home = tenants.home
    base = _content(home.admin, home.name())
    writer = live_server.api("contributor")  # organization-wide
    neighbour = new_tenant(live_server)
    writer.v1 = writer.v1.replace(live_server.project_id, neighbour.project_id)
    writer.v2 = writer.v2.replace(live_server.project_id, neighbour.project_id)
    child = neighbour.name()
    pushed = push(
        writer, child, "child-1", components=("null.a",), parent=(base.version_id, base.channel_id)
    )
    path = writer.v1 + f"/images/{child}/iteration"
    params = {"iteration_id": pushed["id"]}
    assert not writer.get(path, params=params).json()["iteration"].get("revoke_at")  # cached
    revoked = home.admin.patch(
        home.admin.v1 + f"/iterations/{base.version_id}",
        json={"revoke_in": "0s", "revocation_message": "parent-reason"},
    )
    assert revoked.status_code == 200, revoked.text
    inherited = writer.get(path, params=params).json()["iteration"]
    assert inherited.get("revoke_at") and inherited["revocation_message"] == "parent-reason"
    assert inherited["revocation_inherited_from"]["iteration_id"] == base.version_id
    # A key bound to the child's project sees the revocation, but not the other project's
    # version it came from.
    neighbour_viewer = neighbour.client("viewer")
    for _ in range(2):
        seen = neighbour_viewer.get(
            neighbour_viewer.v1 + f"/images/{child}/iteration", params=params
        )
        assert seen.json()["iteration"]["revocation_message"] == "parent-reason"
        assert "revocation_inherited_from" not in seen.json()["iteration"]
        assert base.bucket not in seen.text and base.version_id not in seen.text
        by_fingerprint = neighbour_viewer.get(
            neighbour_viewer.v2 + f"/buckets/{child}/versions/child-1"
        ).json()["version"]
        assert by_fingerprint["revocation_message"] == "parent-reason"
        assert "revocation_inherited_from" not in by_fingerprint
    restored = home.admin.patch(
        home.admin.v1 + f"/iterations/{base.version_id}", json={"restore": True}
    )
    assert restored.status_code == 200, restored.text
    assert not writer.get(path, params=params).json()["iteration"].get("revoke_at")
