"""Revoking and restoring versions. "Revoked" is read from revoke_at, so schedules need no job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import Version, parse_duration
from packyard.errors import FailedPrecondition, InvalidArgument
from packyard.services.channels import roll_back
from packyard.services.common import version_in_project
from packyard.services.reach import Reader
from packyard.services.versions import complete_version
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
    if not version.revoked_from_id:
        return None
    root = repo.version_by_id(version.revoked_from_id)
    return root if root is not None and Reader(repo, actor).may_read_version(root) else None


def descendants(repo: Work, root: Version) -> list[str]:
    """Versions of the root's organization built, directly or not, from the root version.
    (A link to another organization's version, recorded before parents had to be readable,
    passes no revocation on, either way.)"""
    reach = repo.reach
    organization = reach.owners_of([root.id])[root.id][0]
    found: list[str] = []
    frontier = [root.id]
    seen = {root.id}
    while frontier:
        linked = repo.child_version_ids(frontier) - seen
        children = {
            child for child, (owner, _) in reach.owners_of(linked).items() if owner == organization
        }
        seen |= linked
        found.extend(sorted(children))
        frontier = list(children)
    return found


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


def revoke_version(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    version_id: str,
    revocation: Revocation,
    now: datetime,
) -> Version:
    version = version_in_project(repo, scope, version_id)
    if version.is_revoked(now):
        raise FailedPrecondition("the version is already revoked; restore it first")
    moment = revocation.moment(now)
    fields = {
        "revoke_at": moment,
        "revocation_message": revocation.message,
        "revocation_author": actor.name,
        "updated_at": now,
    }
    repo.change_version(version.id, revoked_from_id=None, **fields)
    if not revocation.skip_descendants:
        inherited = [
            child.id
            for child in repo.versions_by_ids(
                descendants(repo, version), with_builds=False
            ).values()
            if child.revoke_at is None or child.revoked_from_id is not None
        ]
        repo.change_versions(inherited, revoked_from_id=version.id, **fields)
        _changed_elsewhere(repo, scope, inherited)
    if revocation.rollback_channels:
        for channel in repo.channels_on(version.id, with_version=False):
            if not channel.managed:
                roll_back(repo, actor, channel, leaving=version.id, now=now)
    return _changed(version, revoked_from_id=None, **fields)


def restore_version(repo: Work, scope: Scope, *, version_id: str, now: datetime) -> Version:
    """Clear the revocation, and the revocations descendants inherited from it."""
    version = version_in_project(repo, scope, version_id)
    if version.revoke_at is None:
        raise FailedPrecondition("the version is not revoked")
    cleared = {
        "revoke_at": None,
        "revocation_message": "",
        "revocation_author": "",
        "revoked_from_id": None,
        "updated_at": now,
    }
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
    version_id: str,
    change: VersionChange,
    now: datetime,
) -> Version:
    if change.restore and change.revocation is not None:
        raise InvalidArgument("restore cannot be combined with revoke_at or revoke_in")
    if change.restore:
        return restore_version(repo, scope, version_id=version_id, now=now)
    if change.revocation is not None:
        return revoke_version(
            repo, actor, scope, version_id=version_id, revocation=change.revocation, now=now
        )
    if change.complete:
        version = version_in_project(repo, scope, version_id)
        statuses = [build.status for build in version.builds]
        complete_version(repo, actor, version, now=now, statuses=statuses)
        return version
    raise InvalidArgument("set one of complete, revoke_at, revoke_in or restore")
