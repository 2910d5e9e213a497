"""How many SQL statements each write of a push takes, on a real SQLite store.

A count is deterministic, so each bound below is a contract: a change that adds a statement
to a write fails here, and one that removes some lowers the bound. Two levels are counted:

- the use case alone, called in its transaction as the wire calls it;
- the whole request through the application in this process: BEGIN, the caller's look-up,
  the use case and the wire's work around it, the audit entry and the content stamp.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import event

from packyard.domain.identity import Actor, Role, Scope
from packyard.domain.registry import BuildStatus, TemplateType
from packyard.ids import utcnow
from packyard.services import buckets, builds, channels, revocation, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.services.channels import VersionChoice
from packyard.store.engine import Store
from packyard.store.work import Work
from tests.support.in_process import InProcess, in_process

T = TypeVar("T")

DONE = BuildChanges(
    status=BuildStatus.DONE,
    platform="aws",
    artifacts=[ArtifactInput("ami-1", "us-east-1")],
)


class Statements:
    """Every statement the store's engine sends, from the listener on."""

    def __init__(self, store: Store) -> None:
        self.sent: list[str] = []
        event.listen(store.engine, "before_cursor_execute", self._sent)

    def _sent(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.sent.append(" ".join(statement.split()))

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        start = len(self.sent)
        found: list[str] = []
        yield found
        found.extend(self.sent[start:])


@pytest.fixture
def app(tmp_path: Path) -> Iterator[InProcess]:
    with in_process(tmp_path) as found:
        yield found


def _within(found: list[str], bound: int, what: str) -> None:
    assert len(found) <= bound, f"{what}: {len(found)} statements, at most {bound}:\n" + "\n".join(
        found
    )


def test_each_write_use_case_of_a_push_stays_within_its_statement_bound(app: InProcess) -> None:
    scope = Scope(app.first.organization_id, app.first.project_id)
    actor = Actor("p", "admin", Role.ADMIN, scope.organization_id, scope.project_id)
    counted = Statements(app.store)
    now = utcnow()

    def run(what: str, bound: int, use_case: Callable[[Work], T]) -> T:
        with app.store.transaction(write=True) as conn, counted.counting() as found:
            result = use_case(Work(conn))
        _within(found, bound, what)
        return result

    run(
        "create bucket",
        4,
        lambda repo: buckets.create_bucket(repo, actor, scope, name="app", now=now),
    )
    # A write that tells of an event asks once whether the project has enabled webhooks (the
    # outbox, services/events.py): one statement more than before webhooks, and no more.
    # Adding a version counts it in its bucket's row (the bucket's summary): one more.
    version = run(
        "create version",
        5,
        lambda repo: versions.create_version(
            repo,
            actor,
            scope,
            bucket_name="app",
            fingerprint="f",
            template_type=TemplateType.HCL2,
            now=now,
        ),
    )
    ids = [
        run(
            "create build",
            2,
            lambda repo, k=k: builds.create_build(
                repo,
                actor,
                scope,
                bucket_name="app",
                fingerprint="f",
                component_type=f"c{k}",
                changes=BuildChanges(),
                now=now,
            ),
        ).id
        for k in range(3)
    ]
    for build_id in ids:
        run(
            "update build to RUNNING",
            2,
            lambda repo, build_id=build_id: builds.update_build(
                repo,
                actor,
                scope,
                build_id=build_id,
                bucket_name="app",
                fingerprint="f",
                changes=BuildChanges(status=BuildStatus.RUNNING),
                now=now,
            ),
        )
    for n, build_id in enumerate(ids):
        # the last one completes the version: sequence number, and onto `latest`; the first
        # gives the version a platform it had not, kept for its bucket's summary: one more
        run(
            "update build to DONE" + (" completing the version" if n == 2 else ""),
            (4, 3, 8)[n],
            lambda repo, build_id=build_id: builds.update_build(
                repo,
                actor,
                scope,
                build_id=build_id,
                bucket_name="app",
                fingerprint="f",
                changes=DONE,
                now=now,
            ),
        )
    with app.store.transaction() as conn:
        assert versions.find_version(
            Work(conn), scope, bucket_name="app", version_id=version.id
        ).complete
    run(
        "create channel",
        4,
        lambda repo: channels.create_channel(
            repo, actor, scope, bucket_name="app", name="prod", choice=VersionChoice(), now=now
        ),
    )
    run(
        "assign channel",
        10,
        lambda repo: channels.update_channel(
            repo,
            actor,
            scope,
            bucket_name="app",
            name="prod",
            choice=VersionChoice(fingerprint="f"),
            now=now,
        ),
    )
    # Both channels on the version, prod and the managed `latest`, roll back: their histories
    # and candidate versions are read at once, and each move is its own three statements
    # (the event's look-up, the channel's update, the history entry).
    run(
        "revoke version (rolling back its channels)",
        17,
        lambda repo: revocation.change_version(
            repo,
            actor,
            scope,
            version_id=version.id,
            change=revocation.VersionChange(
                revocation=revocation.Revocation(
                    revoke_at=now - timedelta(seconds=1), rollback_channels=True
                )
            ),
            now=now,
        ),
    )
    run(
        "restore version",
        9,
        lambda repo: revocation.change_version(
            repo,
            actor,
            scope,
            version_id=version.id,
            change=revocation.VersionChange(restore=True),
            now=now,
        ),
    )
    run(
        "delete version",
        8,
        lambda repo: versions.delete_version(repo, actor, scope, version_id=version.id, now=now),
    )
    run("delete bucket", 3, lambda repo: buckets.delete_bucket(repo, scope, name="app"))


def _push_2023(app: InProcess, counted: Statements) -> dict[str, int]:
    """Packer 1.16's push writes, and the channel, revocation, SBOM and delete requests after
    it."""
    most: dict[str, int] = {}
    with app.api() as api:

        def send(operation: str, method: str, path: str, **kwargs: Any) -> Any:
            with counted.counting() as found:
                answer = api.request(method, path, **kwargs)
            assert answer.status_code == 200, answer.text
            most[operation] = max(most.get(operation, 0), len(found))
            return answer.json()

        v2, bucket = api.v2, api.v2 + "/buckets/app"
        send("CreateBucket", "PUT", v2 + "/buckets", json={"name": "app"})
        send("CreateVersion", "POST", bucket + "/versions", json={"fingerprint": "f"})
        builds_path = bucket + "/versions/f/builds"
        ids = [
            send("CreateBuild", "POST", builds_path, json={"component_type": f"c{k}"})["build"][
                "id"
            ]
            for k in range(3)
        ]
        for build_id in ids:
            send("UpdateBuild RUNNING", "PATCH", f"{builds_path}/{build_id}", json=_RUNNING)
        for build_id in ids[:2]:
            send("UpdateBuild DONE", "PATCH", f"{builds_path}/{build_id}", json=_DONE)
        send("UpdateBuild DONE completing", "PATCH", f"{builds_path}/{ids[2]}", json=_DONE)
        send("CreateChannel", "POST", bucket + "/channels", json={"name": "prod"})
        send(
            "UpdateChannel assigning",
            "PATCH",
            bucket + "/channels/prod",
            json={"version_fingerprint": "f", "update_mask": "versionFingerprint"},
        )
        send("UpdateVersion revoking", "PATCH", bucket + "/versions/f", json=_REVOKE)
        send("UpdateVersion restoring", "PATCH", bucket + "/versions/f", json={"restore": True})
        send("ListSboms", "GET", f"{builds_path}/{ids[0]}/sboms")
        send("ListBuildPackages", "GET", f"{builds_path}/{ids[0]}/packages")
        send("DeleteBuild", "DELETE", f"{builds_path}/{ids[0]}")
        send("DeleteVersion", "DELETE", bucket + "/versions/f")
        send("DeleteBucket", "DELETE", bucket)
    return most


_RUNNING = {"status": "BUILD_RUNNING"}
_DONE = {
    "status": "BUILD_DONE",
    "platform": "aws",
    "artifacts": [{"external_identifier": "ami-1", "region": "us-east-1"}],
}
_REVOKE = {"revoke_at": (datetime(2020, 1, 1)).isoformat() + "Z"}

# BEGIN, the caller's look-up, the audit entry and the content stamp are 4 of each (the
# caller's look-up reads the addressed registry too, which the registry gate then uses); a write
# that tells of an event has one more, the outbox's look-up of the project's webhooks; a
# write that changes its bucket's summary (a version added or deleted, a version's first
# build of a platform) one more, that summary's update.
REQUEST_BOUNDS_2023 = {
    "CreateBucket": 7,
    "CreateVersion": 8,
    "CreateBuild": 6,
    "UpdateBuild RUNNING": 6,
    "UpdateBuild DONE": 8,
    "UpdateBuild DONE completing": 12,
    "CreateChannel": 7,
    "UpdateChannel assigning": 13,
    "UpdateVersion revoking": 21,  # its channels roll back, the managed `latest` among them
    "UpdateVersion restoring": 13,
    "ListSboms": 7,
    "ListBuildPackages": 7,
    "DeleteBuild": 10,
    "DeleteVersion": 12,
    "DeleteBucket": 6,
}


def test_each_write_request_of_a_2023_push_stays_within_its_statement_bound(
    app: InProcess,
) -> None:
    counts = _push_2023(app, Statements(app.store))
    over = {
        op: (n, REQUEST_BOUNDS_2023[op]) for op, n in counts.items() if n > REQUEST_BOUNDS_2023[op]
    }
    assert not over, f"(statements, bound) over the bound: {over}; all counts: {counts}"


REQUEST_BOUNDS_2021 = {
    "CreateBucket": 7,
    "CreateIteration": 8,
    "CreateBuild": 6,
    "UpdateBuild RUNNING": 6,
    "UpdateBuild DONE": 8,
    "UpdateBuild DONE completing": 12,
}


def test_each_write_request_of_a_2021_push_stays_within_its_statement_bound(
    app: InProcess,
) -> None:
    counted = Statements(app.store)
    counts: dict[str, int] = {}
    with app.api() as api:
        v1 = api.v2.replace("/2023-01-01/", "/2021-04-30/")

        def send(operation: str, method: str, path: str, **kwargs: Any) -> Any:
            with counted.counting() as found:
                answer = api.request(method, path, **kwargs)
            assert answer.status_code == 200, answer.text
            counts[operation] = max(counts.get(operation, 0), len(found))
            return answer.json()

        send("CreateBucket", "PUT", v1 + "/images", json={"bucket_slug": "app"})
        iteration = send(
            "CreateIteration", "POST", v1 + "/images/app/iterations", json={"fingerprint": "f"}
        )["iteration"]["id"]
        ids = [
            send(
                "CreateBuild",
                "POST",
                v1 + f"/images/app/iterations/{iteration}",
                json={"build": {"component_type": f"c{k}"}},
            )["build"]["id"]
            for k in range(3)
        ]
        for build_id in ids:
            send(
                "UpdateBuild RUNNING",
                "PATCH",
                v1 + f"/builds/{build_id}",
                json={"updates": {"status": "RUNNING"}},
            )
        done = {
            "updates": {
                "status": "DONE",
                "cloud_provider": "aws",
                "images": [{"image_id": "ami-1", "region": "us-east-1"}],
            }
        }
        for build_id in ids[:2]:
            send("UpdateBuild DONE", "PATCH", v1 + f"/builds/{build_id}", json=done)
        send("UpdateBuild DONE completing", "PATCH", v1 + f"/builds/{ids[2]}", json=done)
    over = {
        op: (n, REQUEST_BOUNDS_2021[op]) for op, n in counts.items() if n > REQUEST_BOUNDS_2021[op]
    }
    assert not over, f"(statements, bound) over the bound: {over}; all counts: {counts}"
