"""A bucket's summary (its version count and platforms) is kept by the writes: through every
write that changes what it holds, ListBuckets and GetBucket on both planes show what the
bucket's versions and builds say, read back through the API."""

from __future__ import annotations

from typing import Any

from tests.support.server import ApiClient

_ARTIFACTS = [{"external_identifier": "img-1", "region": "r1"}]


def _shown(admin: ApiClient, bucket: str) -> tuple[str, list[str]]:
    """The summary as every read shows it (they must agree), as (count, platforms)."""
    got = admin.get(admin.v2 + f"/buckets/{bucket}").json()["bucket"]
    listed = admin.get(admin.v2 + "/buckets", params={"pagination.page_size": 1000}).json()
    [item] = [item for item in listed["buckets"] if item["name"] == bucket]
    assert item == got
    image = admin.get(admin.v1 + f"/images/{bucket}").json()["bucket"]
    assert (image["iteration_count"], image.get("platforms", [])) == (
        got["version_count"],
        got.get("platforms", []),
    )
    return got["version_count"], got.get("platforms", [])


def _history(admin: ApiClient, bucket: str) -> tuple[str, list[str]]:
    """The same, counted from the bucket's versions and their builds."""
    base = admin.v2 + f"/buckets/{bucket}/versions"
    found = admin.get(base, params={"pagination.page_size": 1000}).json()["versions"]
    platforms = {
        build["platform"]
        for version in found
        for build in admin.get(base + f"/{version['fingerprint']}/builds").json()["builds"]
        if build.get("platform")
    }
    return str(len(found)), sorted(platforms)


def _check(admin: ApiClient, bucket: str, count: int, platforms: list[str]) -> None:
    shown = _shown(admin, bucket)
    assert shown == (str(count), platforms)
    assert shown == _history(admin, bucket)


def _build(admin: ApiClient, bucket: str, fingerprint: str, component: str) -> str:
    path = admin.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds"
    made = admin.post(path, json={"component_type": component})
    assert made.status_code == 200, made.text
    build_id: str = made.json()["build"]["id"]
    return build_id


def _change(admin: ApiClient, bucket: str, fingerprint: str, build_id: str, **body: Any) -> None:
    path = admin.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds/{build_id}"
    changed = admin.patch(path, json=body)
    assert changed.status_code == 200, changed.text


def _done(admin: ApiClient, bucket: str, fingerprint: str, build_id: str, platform: str) -> None:
    _change(
        admin,
        bucket,
        fingerprint,
        build_id,
        status="BUILD_DONE",
        platform=platform,
        artifacts=_ARTIFACTS,
    )


def test_a_buckets_summary_follows_every_write(admin: ApiClient, name: str) -> None:
    v2 = admin.v2 + f"/buckets/{name}"
    assert admin.put(admin.v2 + "/buckets", json={"name": name}).status_code == 200
    _check(admin, name, 0, [])

    for fingerprint in ("one", "two"):
        made = admin.post(v2 + "/versions", json={"fingerprint": fingerprint})
        assert made.status_code == 200, made.text
    _check(admin, name, 2, [])

    # builds made without a platform, then given one as they complete
    a, b = (_build(admin, name, "one", c) for c in ("amazon-ebs.a", "docker.b"))
    _check(admin, name, 2, [])
    _done(admin, name, "one", a, "aws")
    _done(admin, name, "one", b, "docker")
    _check(admin, name, 2, ["aws", "docker"])

    # a build made with its platform, on the other version; the same platform twice
    c = _build(admin, name, "two", "googlecompute.c")
    _change(admin, name, "two", c, platform="gce")
    d = _build(admin, name, "two", "googlecompute.d")
    _done(admin, name, "two", d, "gce")
    _check(admin, name, 2, ["aws", "docker", "gce"])

    # a platform changed: held by another build of the version, then by none
    _change(admin, name, "two", c, platform="azure")
    _check(admin, name, 2, ["aws", "azure", "docker", "gce"])
    _change(admin, name, "two", d, platform="aws")
    _check(admin, name, 2, ["aws", "azure", "docker"])

    # a build deleted: its platform stays while another build has it
    assert admin.delete(v2 + f"/versions/two/builds/{d}").status_code == 200
    _check(admin, name, 2, ["aws", "azure", "docker"])
    assert admin.delete(v2 + f"/versions/one/builds/{b}").status_code == 200
    _check(admin, name, 2, ["aws", "azure"])

    # revoking and restoring change neither the count nor the platforms
    revoked = admin.patch(v2 + "/versions/one", json={"revoke_at": "2020-01-01T00:00:00Z"})
    assert revoked.status_code == 200, revoked.text
    _check(admin, name, 2, ["aws", "azure"])
    assert admin.patch(v2 + "/versions/one", json={"restore": True}).status_code == 200
    _check(admin, name, 2, ["aws", "azure"])

    # a version deleted takes its builds' platforms with it, and leaves the count
    assert admin.delete(v2 + "/versions/two").status_code == 200
    _check(admin, name, 1, ["aws"])
    assert admin.delete(v2 + "/versions/one").status_code == 200
    _check(admin, name, 0, [])


def test_a_version_made_on_the_2021_plane_is_counted(admin: ApiClient, name: str) -> None:
    assert admin.put(admin.v1 + "/images", json={"bucket_slug": name}).status_code == 200
    made = admin.post(admin.v1 + f"/images/{name}/iterations", json={"fingerprint": "f"})
    assert made.status_code == 200, made.text
    iteration = made.json()["iteration"]["id"]
    build = admin.post(
        admin.v1 + f"/images/{name}/iterations/{iteration}",
        json={"build": {"component_type": "null.a", "cloud_provider": "aws"}},
    )
    assert build.status_code == 200, build.text
    _check(admin, name, 1, ["aws"])
    assert admin.delete(admin.v1 + f"/builds/{build.json()['build']['id']}").status_code == 200
    _check(admin, name, 1, [])
    assert admin.delete(admin.v1 + f"/iterations/{iteration}").status_code == 200
    _check(admin, name, 0, [])
