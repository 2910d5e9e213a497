"""The audit trail: who changed what, where, when, and from which address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEvent:
    """One acknowledged mutation. Recorded in the transaction that made the change."""

    id: str
    occurred_at: datetime
    actor_id: str  # a principal's id, or "cli:<user>" for an operator at the console
    actor_name: str
    operation: str  # the API operation id, or the CLI command
    method: str
    resource: str  # the request path (or CLI target) that names what changed
    organization_id: str | None = None
    project_id: str | None = None
    source: str = ""  # the peer address the request came from
    forwarded_for: str = ""  # an X-Forwarded-For header as the client sent it (a claim)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "operation": self.operation,
            "method": self.method,
            "resource": self.resource,
            "organization_id": self.organization_id,
            "project_id": self.project_id,
            "source": self.source,
            "forwarded_for": self.forwarded_for,
        }
