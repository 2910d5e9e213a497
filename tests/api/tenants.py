"""Tenants of their own for tests that change a whole project, and content seeded in them."""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import zstandard

from packyard.auth.principals import create_principal
from packyard.config import Settings
from packyard.domain.identity import Role
from packyard.ids import utcnow
from packyard.services.tenants import create_project
from packyard.services.work import Work
from packyard.store.engine import Store, make_engine
from tests.api.conftest import push
from tests.api.test_v2023 import push2023
from tests.support.server import ApiClient, LiveServer, Principal

BLOCK = 'provisioner "shell-local" {\n  inline = ["echo enforced"]\n}\n'
SPDX = {"spdxVersion": "SPDX-2.3", "name": "m", "packages": [{"name": "zlib", "versionInfo": "1"}]}
_tags = itertools.count()


@dataclass
class Tenant:
    """A project of its own, with its principals and some content."""

    server: LiveServer
    organization_id: str
    project_id: str
    tag: str  # in every name this tenant makes, so a leak is easy to spot
    clients: dict[str, ApiClient] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)  # record ids (not names) of its content
    principal_ids: dict[str, str] = field(default_factory=dict)  # by role, the last made
    _names: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def admin(self) -> ApiClient:
        return self.clients["admin"]

    def name(self) -> str:
        return f"{self.tag}-{next(self._names)}"

    def client(self, role: str, *, bound: bool = True) -> ApiClient:
        """A principal of this tenant (of its project, or of its whole organization)."""
        with _store(self.server) as store, store.transaction(write=True) as conn:
            created = create_principal(
                conn,
                name=self.name(),
                role=Role.parse(role),
                organization_id=self.organization_id,
                project_id=self.project_id if bound else None,
                now=utcnow(),
            )
        principal = Principal(
            created.name, role, created.client_id, created.client_secret, created.principal_id
        )
        self.principal_ids[role] = created.principal_id
        api = ApiClient(self.server, self.server.token(principal))
        api.v1 = _prefix("2021-04-30", self.organization_id, self.project_id)
        api.v2 = _prefix("2023-01-01", self.organization_id, self.project_id)
        return api


@contextmanager
def _store(server: LiveServer) -> Iterator[Store]:
    """The server's store, opened from the test as the packyard commands open it."""
    store = Store(make_engine(Settings(server.data_dir, database_url=server.database).store_url))
    try:
        yield store
    finally:
        store.dispose()


def _prefix(plane: str, organization_id: str, project_id: str) -> str:
    return f"/packer/{plane}/organizations/{organization_id}/projects/{project_id}"


def new_tenant(server: LiveServer, *, new_organization: bool = False) -> Tenant:
    """A new project in the server's first organization, or in a new organization."""
    tag = f"mx{next(_tags)}q{time.monotonic_ns() % 10**6}"
    with _store(server) as store, store.transaction(write=True) as conn:
        scope = create_project(
            Work(conn),
            name=tag,
            organization_id=None if new_organization else server.org_id,
            now=utcnow(),
        )
    tenant = Tenant(server, scope.organization_id, scope.project_id, tag)
    tenant.ids.add(scope.project_id)
    if new_organization:
        tenant.ids.add(scope.organization_id)
    return tenant


class World:
    """The matrix project's seeded content and makers of fresh content for one request."""

    def __init__(self, tenant: Tenant) -> None:
        self.t = tenant
        api = tenant.admin
        self.bucket = tenant.name()
        self.fingerprint = tenant.name()
        version = push2023(api, self.bucket, self.fingerprint)
        self.version_id = version["id"]
        self.build_id = version["builds"][0]["id"]
        self.external_id = version["builds"][0]["artifacts"][0]["external_identifier"]
        self.channel = self.new_channel()
        self.sbom = tenant.name()
        self._sbom(self.build_path(self.fingerprint, self.build_id), self.sbom)
        self.block_id, self.block_version_id = self.new_block()
        linked = self.new_bucket()
        assert api.post(
            api.v2 + f"/enforced_blocks/{self.block_id}/versions/{self.block_version_id}/buckets",
            json={"bucket_names": [linked]},
        ).is_success
        tenant.ids |= {self.version_id, self.build_id, self.block_id, self.block_version_id}

    # makers -------------------------------------------------------------------------------
    @property
    def api(self) -> ApiClient:
        return self.t.admin

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.is_success, response.text
        body: dict[str, Any] = response.json()
        return body

    def new_bucket(self) -> str:
        name = self.t.name()
        self._ok(self.api.put(self.api.v2 + "/buckets", json={"name": name}))
        return name

    def new_version(self) -> tuple[str, str]:
        """An incomplete version of the seeded bucket: (fingerprint, id)."""
        fingerprint = self.t.name()
        created = self._ok(
            self.api.post(
                self.api.v2 + f"/buckets/{self.bucket}/versions", json={"fingerprint": fingerprint}
            )
        )
        self.t.ids.add(created["version"]["id"])
        return fingerprint, created["version"]["id"]

    def new_complete_version(self) -> tuple[str, str]:
        """A complete version of the seeded bucket (one build): (fingerprint, id)."""
        fingerprint = self.t.name()
        pushed = push(self.api, self.bucket, fingerprint, components=("null.a",))
        self.t.ids.add(pushed["id"])
        return fingerprint, str(pushed["id"])

    def new_build(self) -> tuple[str, str]:
        """A build in a new incomplete version: (fingerprint, build id)."""
        fingerprint, _ = self.new_version()
        created = self._ok(
            self.api.post(
                self.api.v2 + f"/buckets/{self.bucket}/versions/{fingerprint}/builds",
                json={"component_type": "null.m", "status": "BUILD_UNSET"},
            )
        )
        self.t.ids.add(created["build"]["id"])
        return fingerprint, created["build"]["id"]

    def new_channel(self) -> str:
        name = self.t.name()
        self._ok(
            self.api.post(
                self.api.v2 + f"/buckets/{self.bucket}/channels",
                json={"name": name, "version_fingerprint": self.fingerprint},
            )
        )
        return name

    def new_block(self) -> tuple[str, str]:
        created = self._ok(
            self.api.put(
                self.api.v2 + "/enforced_blocks",
                json={
                    "name": self.t.name(),
                    "template_type": "HCL2",
                    "block_content": BLOCK,
                    "version": "1.0",
                },
            )
        )["enforced_block"]
        self.t.ids |= {created["id"], created["latest_version"]["id"]}
        return created["id"], created["latest_version"]["id"]

    def new_block_version(self) -> tuple[str, str]:
        block_id, _ = self.new_block()
        created = self._ok(
            self.api.put(
                self.api.v2 + f"/enforced_blocks/{block_id}/versions",
                json={"version": "2.0", "template_type": "HCL2", "block_content": BLOCK + "#\n"},
            )
        )["enforced_block_version"]
        self.t.ids.add(created["id"])
        return block_id, created["id"]

    def build_path(self, fingerprint: str, build_id: str) -> str:
        return self.api.v2 + f"/buckets/{self.bucket}/versions/{fingerprint}/builds/{build_id}"

    def _sbom(self, build_path: str, name: str) -> None:
        self._ok(self.api.put(build_path + "/sboms", json=sbom_body(name)))

    def deactivate(self) -> None:
        self._ok(self.api.delete(self.api.v2 + "/registry"))

    def activate(self) -> None:
        response = self.api.put(self.api.v2 + "/registry", json={})
        assert response.status_code in (200, 409), response.text

    # path parameters of the seeded content -------------------------------------------------
    @property
    def b1(self) -> dict[str, str]:
        return {"bucket_slug": self.bucket}

    @property
    def b2(self) -> dict[str, str]:
        return {"bucket_name": self.bucket}

    @property
    def build2(self) -> dict[str, str]:
        return {**self.b2, "fingerprint": self.fingerprint, "build_id": self.build_id}

    @property
    def block(self) -> dict[str, str]:
        return {"enforced_block_id": self.block_id}


def sbom_body(name: str) -> dict[str, str]:
    compressed = zstandard.ZstdCompressor().compress(json.dumps(SPDX).encode())
    return {
        "compressed_sbom": base64.b64encode(compressed).decode(),
        "format": "SPDX",
        "name": name,
    }
