"""The services tier: use cases called in-process, each in a unit of work of its own, against
a real SQLite store migrated in a temporary directory and bootstrapped as `packyard serve`
does it (one organization, one project with an active registry, one admin)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from packyard.auth.principals import new_key
from packyard.cli_support import open_store
from packyard.config import Settings
from packyard.domain.identity import Actor, Role, Scope
from packyard.domain.registry import BuildStatus, Version
from packyard.ids import utcnow
from packyard.services import buckets, builds, revocation, tenants, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.services.revocation import Revocation
from packyard.services.work import Store, Work, unit_of_work


@dataclass
class Registry:
    """The bootstrapped store, its project, and an admin and a viewer acting in it."""

    store: Store
    scope: Scope
    admin: Actor
    viewer: Actor

    @contextmanager
    def work(self, *, write: bool = True) -> Iterator[Work]:
        with unit_of_work(self.store, write=write) as work:
            yield work

    def push(
        self, bucket: str, fingerprint: str, *, artifacts: int = 1, parent: Version | None = None
    ) -> Version:
        """What Packer's push does: a bucket (once), a version, one DONE build; complete."""
        now = utcnow()
        with self.work() as work:
            if work.bucket(self.scope.project_id, bucket) is None:
                buckets.create_bucket(work, self.admin, self.scope, name=bucket, now=now)
            version = versions.create_version(
                work, self.admin, self.scope, bucket_name=bucket, fingerprint=fingerprint, now=now
            )
            builds.create_build(
                work,
                self.admin,
                self.scope,
                bucket_name=bucket,
                version_id=version.id,
                component_type="amazon-ebs.app",
                changes=BuildChanges(
                    status=BuildStatus.DONE,
                    platform="aws",
                    parent_version_id=parent.id if parent else None,
                    artifacts=[
                        ArtifactInput(f"ami-{fingerprint}-{n}", "eu-west-1")
                        for n in range(artifacts)
                    ],
                ),
                now=now,
            )
        with self.work(write=False) as work:
            return versions.find_version(
                work, self.scope, bucket_name=bucket, fingerprint=fingerprint
            )

    def revoke(self, version: Version, message: str) -> Version:
        """Revoke the version now, as its admin (its descendants inherit the revocation)."""
        with self.work() as work:
            return revocation.revoke_version(
                work,
                self.admin,
                self.scope,
                version_id=version.id,
                revocation=Revocation(message=message),
                now=utcnow(),
            )


def _actor(role: Role, credentials: tenants.Credentials) -> Actor:
    return Actor(
        credentials.principal_id,
        credentials.name,
        role,
        credentials.organization_id,
        credentials.project_id,
    )


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    store = open_store(Settings(data_dir=tmp_path, insecure_http=True))
    try:
        with unit_of_work(store, write=True) as work:
            first = tenants.bootstrap(work, now=utcnow(), admin_key=new_key())
            assert first is not None
            viewer = tenants.create_principal(
                work,
                name="viewer",
                role=Role.VIEWER,
                organization_id=first.organization_id,
                project_id=first.project_id,
                key=new_key(),
                now=utcnow(),
            )
        scope = Scope(first.organization_id, first.project_id)
        yield Registry(store, scope, _actor(Role.ADMIN, first.admin), _actor(Role.VIEWER, viewer))
    finally:
        store.dispose()
