"""Races resolve exactly once, on one SQLite server and across replicas on PostgreSQL.

Each race releases its requests together from threads of their own; through the balancer
every request is routed on its own, so the replicas race each other in the database.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from tests.concurrency.conftest import Deployment, all_at_once, done_version, spread
from tests.support.server import ApiClient

_names = itertools.count()


def bucket_name(what: str) -> str:
    return f"race-{what}-{next(_names)}"


def error(response: Any, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert body["details"] == []


def history(api: ApiClient, bucket: str, channel: str) -> list[dict[str, Any]]:
    """A channel's assignment history, newest first (2021 plane, every page)."""
    entries: list[dict[str, Any]] = []
    params: dict[str, Any] = {"pagination.page_size": 50}
    while True:
        page = api.get(api.v1 + f"/images/{bucket}/channels/{channel}/history", params=params)
        assert page.status_code == 200, page.text
        entries += page.json()["history"]
        token = page.json()["pagination"].get("next_page_token")
        if not token:
            return entries
        params["pagination.next_page_token"] = token


def test_same_fingerprint_race_makes_one_version(deployment: Deployment) -> None:
    """50 CreateIteration (2021) / CreateVersion (2023) calls for one fingerprint at once:
    one answers 200, every other 409 code 6, and every caller then reads that one version."""
    bucket = bucket_name("fingerprint")
    callers = deployment.clients(50)
    setup = callers[0]
    assert setup.put(setup.v2 + "/buckets", json={"name": bucket}).status_code == 200
    before = deployment.served(bucket)

    def create(i: int, api: ApiClient) -> Any:
        if i % 2:
            return lambda: api.post(
                api.v1 + f"/images/{bucket}/iterations", json={"fingerprint": "fp-race"}
            )
        return lambda: api.post(
            api.v2 + f"/buckets/{bucket}/versions",
            json={"fingerprint": "fp-race", "template_type": "HCL2"},
        )

    answers = all_at_once([create(i, api) for i, api in enumerate(callers)])
    won = [a for a in answers if a.status_code == 200]
    assert len(won) == 1, [a.status_code for a in answers]
    body = won[0].json()
    winner = (body.get("iteration") or body["version"])["id"]
    for answer in answers:
        if answer.status_code != 200:
            error(answer, 409, 6)
    spread(deployment, bucket, before)

    for api in callers:
        seen = api.get(api.v1 + f"/images/{bucket}/iteration", params={"fingerprint": "fp-race"})
        assert seen.status_code == 200 and seen.json()["iteration"]["id"] == winner
    for server in deployment.servers:
        api = deployment.direct(server)
        assert api.get(api.v2 + f"/buckets/{bucket}/versions/fp-race").json()["version"]["id"] == (
            winner
        )
        listed = api.get(api.v2 + f"/buckets/{bucket}/versions").json()["versions"]
        assert [v["id"] for v in listed] == [winner]


def test_completion_race_numbers_each_version_once(deployment: Deployment) -> None:
    """Six versions of four builds each; all 24 builds turn DONE at once, half on each plane.
    Every version completes exactly once: sequence numbers 1..6 with no gap or repeat, the
    managed `latest` channel moved once per version, in sequence order, ending on the last."""
    bucket = bucket_name("complete")
    versions, components = 6, ("null.a", "null.b", "file.c", "file.d")
    callers = deployment.clients(versions * len(components))
    setup = callers[0]
    assert setup.put(setup.v2 + "/buckets", json={"name": bucket}).status_code == 200
    builds: list[tuple[str, str, str]] = []  # (fingerprint, component, build id)
    for n in range(versions):
        fingerprint = f"fp-{n}"
        made = setup.post(
            setup.v2 + f"/buckets/{bucket}/versions",
            json={"fingerprint": fingerprint, "template_type": "HCL2"},
        )
        assert made.status_code == 200, made.text
        base = setup.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds"
        for component in components:
            build = setup.post(base, json={"component_type": component, "status": "BUILD_RUNNING"})
            assert build.status_code == 200, build.text
            builds.append((fingerprint, component, build.json()["build"]["id"]))
    before = deployment.served(bucket)

    def finish(i: int, api: ApiClient, fingerprint: str, component: str, build_id: str) -> Any:
        if i % 2:
            return lambda: api.patch(
                api.v1 + f"/builds/{build_id}",
                json={
                    "updates": {
                        "status": "DONE",
                        "cloud_provider": component.split(".")[0],
                        "images": [{"image_id": f"img-{build_id}", "region": "r1"}],
                    }
                },
            )
        return lambda: api.patch(
            api.v2 + f"/buckets/{bucket}/versions/{fingerprint}/builds/{build_id}",
            json={
                "status": "BUILD_DONE",
                "platform": component.split(".")[0],
                "artifacts": [{"external_identifier": f"ext-{build_id}", "region": "r1"}],
            },
        )

    answers = all_at_once(
        [finish(i, api, *build) for i, (api, build) in enumerate(zip(callers, builds, strict=True))]
    )
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers]
    spread(deployment, bucket, before)

    for server in deployment.servers:
        api = deployment.direct(server)
        listed = api.get(api.v2 + f"/buckets/{bucket}/versions").json()["versions"]
        assert len(listed) == versions
        assert all(v["status"] == "VERSION_ACTIVE" for v in listed)
        sequences = sorted(int(v["name"].removeprefix("v")) for v in listed)
        assert sequences == list(range(1, versions + 1))
        by_name = {v["name"]: v for v in listed}
        latest = api.get(api.v2 + f"/buckets/{bucket}/channels/latest").json()["channel"]
        assert latest["version"]["id"] == by_name[f"v{versions}"]["id"]
        moves = history(api, bucket, "latest")
        assert [m["iteration"]["incremental_version"] for m in moves] == list(
            range(versions, 0, -1)
        )


def test_channel_race_keeps_every_assignment(deployment: Deployment) -> None:
    """30 assignments of one channel at once (UpdateChannel on both planes, five versions):
    each answers 200, the history has every one of them, and the channel ends on the
    newest history entry, the assignment committed last."""
    bucket = bucket_name("channel")
    callers = deployment.clients(30)
    setup = callers[0]
    assert setup.put(setup.v2 + "/buckets", json={"name": bucket}).status_code == 200
    ids = {}
    for n in range(5):
        ids[f"fp-{n}"] = done_version(setup, bucket, f"fp-{n}", n)
    made = setup.post(setup.v2 + f"/buckets/{bucket}/channels", json={"name": "release"})
    assert made.status_code == 200, made.text
    before = deployment.served(bucket)

    def assign(i: int, api: ApiClient) -> Any:
        fingerprint = f"fp-{i % 5}"
        if i % 2:
            return lambda: api.patch(
                api.v1 + f"/images/{bucket}/channels/release",
                json={"fingerprint": fingerprint},
            )
        return lambda: api.patch(
            api.v2 + f"/buckets/{bucket}/channels/release",
            json={"version_fingerprint": fingerprint, "update_mask": "versionFingerprint"},
        )

    answers = all_at_once([assign(i, api) for i, api in enumerate(callers)])
    assert [a.status_code for a in answers] == [200] * len(answers), [a.text for a in answers]
    spread(deployment, bucket, before)
    wanted = Counter(ids[f"fp-{i % 5}"] for i in range(len(callers)))

    for server in deployment.servers:
        api = deployment.direct(server)
        entries = history(api, bucket, "release")
        assert Counter(e["iteration"]["id"] for e in entries) == wanted
        current = api.get(api.v1 + f"/images/{bucket}/channels/release").json()["channel"]
        assert current["iteration"]["id"] == entries[0]["iteration"]["id"]
        again = api.get(api.v2 + f"/buckets/{bucket}/channels/release").json()["channel"]
        assert again["version"]["id"] == entries[0]["iteration"]["id"]
