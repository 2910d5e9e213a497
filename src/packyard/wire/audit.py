"""What the audit trail records about an API mutation: the request as the wire saw it."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Actor, Scope
from packyard.ids import new_id


def api_event(
    request: Request, operation: str, actor: Actor, scope: Scope, now: datetime
) -> AuditEvent:
    return AuditEvent(
        id=new_id(),
        occurred_at=now,
        actor_id=actor.principal_id,
        actor_name=actor.name,
        operation=operation,
        method=request.method,
        resource=request.url.path,
        organization_id=scope.organization_id or None,
        project_id=scope.project_id or None,
        source=request.client.host if request.client else "",
        # every line, as a balancer appends its own after the client's (the nearest hops last)
        forwarded_for=", ".join(request.headers.getlist("x-forwarded-for"))[-200:],
    )
