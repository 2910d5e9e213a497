"""Revoking and restoring versions. "Revoked" is read from revoke_at, so schedules need no job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import AssignmentReason, Version, parse_duration
from packyard.errors import FailedPrecondition, InvalidArgument
from packyard.services import events
from packyard.services.channels import point_channel
from packyard.services.common import version_in_project
from packyard.services.reach import Reader
from packyard.services.revocation_plan import RevocationPlan, RevocationRequest, plan_revocation
from packyard.services.versions import complete_version, version_by_ref, version_to_change
from packyard.store.work import Work


@dataclass(frozen=True)
class Revocation:
    revoke_at: datetime | None = None
    revoke_in: str | None = None
    message: str = ""
    skip_descendants: bool = False
    rollback_channels: bool = False

    def moment(self, now: datetime) -> datetime:
        if self.revoke_at is not None and self.revoke_in:
            raise InvalidArgument("set either revoke_at or revoke_in, not both")
        if self.revoke_in:
            return now + parse_duration(self.revoke_in)
        return self.revoke_at if self.revoke_at is not None else now


def inherited_from(repo: Work, actor: Actor, version: Version) -> Version | None:
    """The version whose revocation this one inherited, if the caller may read it."""
    return inherited_from_each(repo, actor, [version]).get(version.id)


def inherited_from_each(repo: Work, actor: Actor, found: Sequence[Version]) -> dict[str, Version]:
    """For each version that inherited its revocation, the version it inherited it from (by
    the inheriting version's id), where the caller may read that one; read for all at once."""
    roots = {version.id: version.revoked_from_id for version in found if version.revoked_from_id}
    if not roots:
        return {}
    by_id = repo.versions_by_ids(roots.values(), with_builds=False)
    reader = Reader(repo, actor)
    reader.learn(root.bucket_id for root in by_id.values())
    return {
        version_id: by_id[root_id]
        for version_id, root_id in roots.items()
        if root_id in by_id and reader.may_read_version(by_id[root_id])
    }


def _changed_elsewhere(repo: Work, scope: Scope, version_ids: list[str]) -> None:
    """Descendants in other projects changed too: their cached reads are stale now."""
    projects = {project for _, project in repo.reach.owners_of(version_ids).values()}
    for project_id in sorted(projects - {scope.project_id}):
        repo.bump_content(project_id)


def _changed(version: Version, **values: Any) -> Version:
    """The version as the update just written leaves it (its builds are as they were)."""
    for name, value in values.items():
        setattr(version, name, value)
    return version


def revocation_request(revocation: Revocation, now: datetime) -> RevocationRequest:
    return RevocationRequest(
        revoke_at=revocation.moment(now),
        skip_descendants=revocation.skip_descendants,
        rollback_channels=revocation.rollback_channels,
    )


def preview_revocation(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    version_ids: list[str] | None = None,
    bucket_name: str = "",
    refs: Sequence[str] = (),
    revocation: Revocation,
    now: datetime,
) -> RevocationPlan:
    """What revoking these versions, one after the other, would do; nothing is written. The
    versions are given by their ids, or as the bucket's versions named by fingerprint or id."""
    if version_ids is None:
        version_ids = [
            version_by_ref(repo, scope, bucket_name=bucket_name, ref=ref, with_builds=False).id
            for ref in refs
        ]
    return plan_revocation(
        repo,
        actor,
        scope,
        versions=list(version_ids),
        request=revocation_request(revocation, now),
        now=now,
        with_children=True,
    )


def carry_out(
    repo: Work,
    actor: Actor,
    scope: Scope,
    plan: RevocationPlan,
    *,
    message: str,
    now: datetime,
) -> None:
    """Write what the plan says, in its order."""
    for entry in plan.revoked:
        fields = {
            "revoke_at": entry.revoke_at,
            "revocation_message": message,
            "revocation_author": actor.name,
            "updated_at": now,
        }
        root = entry.inherited_from
        repo.change_version(
            entry.version.id, revoked_from_id=None if root is None else root.id, **fields
        )
    inherited = [entry.version.id for entry in plan.revoked if entry.inherited_from is not None]
    _changed_elsewhere(repo, scope, inherited)
    for move in plan.moves:
        point_channel(
            repo, actor, move.channel, move.to_version, now=now, reason=AssignmentReason.ROLLBACK
        )


def revoke_version(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    version_id: str,
    revocation: Revocation,
    now: datetime,
) -> Version:
    request = revocation_request(revocation, now)
    return _revoke(repo, actor, scope, version_id, request, message=revocation.message, now=now)


def _revoke(
    repo: Work,
    actor: Actor,
    scope: Scope,
    named: str | Version,
    request: RevocationRequest,
    *,
    message: str,
    now: datetime,
) -> Version:
    plan = plan_revocation(repo, actor, scope, versions=[named], request=request, now=now)
    carry_out(repo, actor, scope, plan, message=message, now=now)
    version = plan.revoked[0].version
    events.version_revoked(repo, actor, version, now=now)
    return _changed(
        version,
        revoked_from_id=None,
        revoke_at=request.revoke_at,
        revocation_message=message,
        revocation_author=actor.name,
        updated_at=now,
    )


def restore_version(
    repo: Work, scope: Scope, *, version_id: str, now: datetime, actor: Actor | None = None
) -> Version:
    """Clear the revocation, and the revocations descendants inherited from it."""
    return _restore(repo, scope, version_in_project(repo, scope, version_id), now=now, actor=actor)


def _restore(
    repo: Work, scope: Scope, version: Version, *, now: datetime, actor: Actor | None
) -> Version:
    if version.revoke_at is None:
        raise FailedPrecondition("the version is not revoked")
    cleared = {
        "revoke_at": None,
        "revocation_message": "",
        "revocation_author": "",
        "revoked_from_id": None,
        "updated_at": now,
    }
    events.version_restored(repo, actor, version, now=now)
    repo.change_version(version.id, **cleared)
    _changed_elsewhere(repo, scope, repo.reach.inheriting_from(version.id))
    repo.change_inherited(version.id, **cleared)
    return _changed(version, **cleared)


@dataclass(frozen=True)
class VersionChange:
    """What UpdateIteration / UpdateVersion ask: restore, revoke, or complete."""

    restore: bool = False
    complete: bool = False
    revocation: Revocation | None = None


def change_version(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    version_id: str | None = None,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
    change: VersionChange,
    now: datetime,
) -> Version:
    """Restore, revoke or complete the version named by its id, or by its bucket and
    fingerprint (unknown is "not found"); it is looked up once."""
    version = None
    if bucket_name is not None and fingerprint is not None:
        # A version the path names by fingerprint is found before the change is checked.
        version = version_to_change(repo, scope, bucket_name=bucket_name, fingerprint=fingerprint)
    if change.restore and change.revocation is not None:
        raise InvalidArgument("restore cannot be combined with revoke_at or revoke_in")
    if change.restore:
        found = version or version_in_project(repo, scope, version_id or "")
        return _restore(repo, scope, found, now=now, actor=actor)
    if change.revocation is not None:
        request = revocation_request(change.revocation, now)
        named = version or version_id or ""
        message = change.revocation.message
        return _revoke(repo, actor, scope, named, request, message=message, now=now)
    if change.complete:
        found = version or version_in_project(repo, scope, version_id or "")
        statuses = [build.status for build in found.builds]
        complete_version(repo, actor, found, now=now, statuses=statuses)
        return found
    raise InvalidArgument("set one of complete, revoke_at, revoke_in or restore")
