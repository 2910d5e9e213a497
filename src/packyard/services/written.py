"""Writes answered with what they wrote as a read shows it.

Each makes its change through the use case of its resource, then answers the version it
wrote as a read of it shows it (`reads.shown_version`: its parents status, unless the plane
shows none, and the version it inherited a revocation from). So a handler of such a write
calls one use case and renders its answer.
"""

from __future__ import annotations

from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.reads import VersionRead
from packyard.domain.registry import Channel, TemplateType
from packyard.services import channels, reads, revocation, versions
from packyard.store.work import Work


def create_version(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    fingerprint: str,
    template_type: TemplateType = TemplateType.UNSET,
    now: datetime,
    parents_status: bool = True,
) -> VersionRead:
    found = versions.create_version(
        work,
        actor,
        scope,
        bucket_name=bucket_name,
        fingerprint=fingerprint,
        template_type=template_type,
        now=now,
    )
    return reads.shown_version(work, actor, found, now=now, parents_status=parents_status)


def change_version(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    version_id: str | None = None,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
    change: revocation.VersionChange,
    now: datetime,
    parents_status: bool = True,
) -> VersionRead:
    """Restore, revoke or complete the version named by its id, or by its bucket and
    fingerprint (unknown is "not found")."""
    found = revocation.change_version(
        work,
        actor,
        scope,
        version_id=version_id,
        bucket_name=bucket_name,
        fingerprint=fingerprint,
        change=change,
        now=now,
    )
    return reads.shown_version(work, actor, found, now=now, parents_status=parents_status)


def copy_assignment(
    work: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    source: str,
    target: str,
    now: datetime,
) -> tuple[Channel, Channel, VersionRead]:
    """Point the target channel at the source channel's version: both channels, and that
    version as a read shows it."""
    origin, destination = channels.copy_assignment(
        work, actor, scope, bucket_name=bucket_name, source=source, target=target, now=now
    )
    assert destination.version is not None
    shown = reads.shown_version(work, actor, destination.version, now=now)
    return origin, destination, shown
