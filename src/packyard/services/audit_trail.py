"""Reading an organization's audit trail: filtered by who, what and when, newest first, in
pages whose token is the last event's id (ids are ULIDs, so they order by time)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from packyard.domain.audit import AuditEvent
from packyard.errors import InvalidArgument
from packyard.store.work import Work

MAX_PAGE = 1000
MAX_EXPORT_PAGE = 10_000
_TOKEN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


@dataclass(frozen=True)
class AuditQuery:
    actor: str = ""
    operation: str = ""
    since: datetime | None = None
    until: datetime | None = None
    page_size: int = 100
    page_token: str = ""


def audit_page(
    repo: Work, organization_id: str, wanted: AuditQuery, *, most: int = MAX_PAGE
) -> tuple[list[AuditEvent], str]:
    """One page of events and the token of the next ("" after the last)."""
    if not 1 <= wanted.page_size <= most:
        raise InvalidArgument(f"page_size must be 1 to {most}")
    if wanted.page_token and not _TOKEN.fullmatch(wanted.page_token):
        raise InvalidArgument("page_token is not one this API handed out")
    if wanted.since and wanted.until and wanted.since >= wanted.until:
        raise InvalidArgument("since must be before until")
    events = repo.audit.find(
        organization_id=organization_id,
        actor=wanted.actor,
        operation=wanted.operation,
        since=wanted.since,
        until=wanted.until,
        before_id=wanted.page_token,
        limit=wanted.page_size + 1,
    )
    if len(events) > wanted.page_size:
        return events[: wanted.page_size], events[wanted.page_size - 1].id
    return events, ""
