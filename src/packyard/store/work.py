"""The unit of work: one open transaction, every gateway to the store over it, and the step
that ends a write (its audit line and its registry's new content stamp).

Services take a Work and reach the store only through its gateways; they never see the
connection, SQLAlchemy or the tables. A gateway is made at its first use, so a request
pays only for those it touches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Row

from packyard.domain.audit import AuditEvent
from packyard.domain.webhooks import EventPlace, Webhook
from packyard.store.accounts import Accounts
from packyard.store.audit import AuditLog
from packyard.store.enforced_blocks import EnforcedBlocks
from packyard.store.engine import Store
from packyard.store.iam import Grants
from packyard.store.keys import SigningKeys
from packyard.store.overview import Overview
from packyard.store.reach import Reach
from packyard.store.records import as_registry
from packyard.store.repository import Repository
from packyard.store.run_tasks import RunTaskRuns
from packyard.store.tenants import Tenants
from packyard.store.vulnerabilities import VulnerabilityDatabase
from packyard.store.webhooks import Webhooks
from packyard.store.workload_identity import Providers


class Work(Repository):
    """One transaction and the store's gateways over it: the registry's records (a Work is
    the Repository, which every use case reads), and each other gateway by its name."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._conn = conn
        # Per-transaction cache: each bucket's enabled webhooks and where its events happen,
        # as services.events looks them up (webhooks do not change under one event, and a
        # completion and the move of `latest` it makes ask for the same bucket).
        self.listeners_of_bucket: dict[str, tuple[list[Webhook], EventPlace | None]] = {}

    @cached_property
    def tenants(self) -> Tenants:
        return Tenants(self._conn)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self._conn)

    @cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self._conn)

    @cached_property
    def grants(self) -> Grants:
        return Grants(self._conn)

    @cached_property
    def reach(self) -> Reach:
        return Reach(self._conn)

    @cached_property
    def providers(self) -> Providers:
        return Providers(self._conn)

    @cached_property
    def run_task_runs(self) -> RunTaskRuns:
        return RunTaskRuns(self._conn)

    @cached_property
    def enforced_blocks(self) -> EnforcedBlocks:
        return EnforcedBlocks(self._conn)

    @cached_property
    def vulnerabilities(self) -> VulnerabilityDatabase:
        return VulnerabilityDatabase(self._conn)

    @cached_property
    def signing_keys(self) -> SigningKeys:
        return SigningKeys(self._conn)

    @cached_property
    def webhooks(self) -> Webhooks:
        return Webhooks(self._conn)

    @cached_property
    def overview(self) -> Overview:
        return Overview(self._conn)

    def caller(self, principal_id: str, project_id: str) -> Row[Any] | None:
        """The principal and the addressed project's registry, in one query; the registry
        is then known to this transaction, so the registry gate does not read it again."""
        row = self.tenants.caller(principal_id, project_id)
        if row is not None and project_id:
            fields = row._mapping
            self._registries[project_id] = (
                None
                if fields["registry_id"] is None
                else as_registry(
                    SimpleNamespace(
                        id=fields["registry_id"],
                        activated=fields["activated"],
                        **{
                            key[10:]: value
                            for key, value in fields.items()
                            if key.startswith("registry__")
                        },
                    )
                )
            )
        return row

    def finish_write(self, event: AuditEvent, *, project_id: str | None = None) -> None:
        """A write's last step: its audit line, and, when it changed a project's registry,
        the registry's new content stamp (which every cached answer of it is kept under).
        Both go with the commit (on PostgreSQL in its round trip), after whatever else the
        transaction runs."""
        self.audit.record(event, at_commit=True)
        if project_id:
            self.bump_content(project_id, at_commit=True)


@contextmanager
def unit_of_work(store: Store, *, write: bool = False) -> Iterator[Work]:
    """A Work over a new transaction of the store; committed when the block completes."""
    with store.transaction(write=write) as conn:
        yield Work(conn)
