"""What a revocation does, worked out before anything is written: the versions it revokes (their
own revocation or one inherited), the channels it rolls back, and the children it leaves out of
date. The revoke runs the plan this module makes, and the preview shows the same plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import AncestryStatus, Channel, Version
from packyard.errors import FailedPrecondition
from packyard.services.ancestry import children_of, newest_per_child_bucket
from packyard.services.channels import newest_valid
from packyard.services.common import version_in_project
from packyard.services.reach import Reader
from packyard.store.work import Work


@dataclass(frozen=True)
class RevokedVersion:
    version: Version
    revoke_at: datetime
    inherited_from: Version | None = None  # None: the version's own revocation


@dataclass(frozen=True)
class ChannelMove:
    channel: Channel
    from_version: Version
    to_version: Version | None  # None: the channel is left with nothing


@dataclass(frozen=True)
class OutOfDateChild:
    child: Version
    parent: Version
    parent_channel: Channel | None


@dataclass
class RevocationPlan:
    revoked: list[RevokedVersion] = field(default_factory=list)
    moves: list[ChannelMove] = field(default_factory=list)
    out_of_date_children: list[OutOfDateChild] = field(default_factory=list)

    def revoke_moment(self, version_id: str) -> datetime | None:
        for entry in reversed(self.revoked):
            if entry.version.id == version_id:
                return entry.revoke_at
        return None

    def inherits(self, version: Version) -> bool:
        """Whether the version's revocation is an inherited one, once the plan is done."""
        for entry in reversed(self.revoked):
            if entry.version.id == version.id:
                return entry.inherited_from is not None
        return version.revoke_at is None or version.revoked_from_id is not None


@dataclass(frozen=True)
class RevocationRequest:
    """How to revoke: when, whether descendants inherit it, whether channels roll back."""

    revoke_at: datetime
    skip_descendants: bool = False
    rollback_channels: bool = False


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


def _channels_on(repo: Work, plan: RevocationPlan, version_id: str) -> list[Channel]:
    """The channels that point at the version once the plan's moves so far are made: the
    managed `latest` is rolled back like the user channels."""
    moved = {move.channel.id: move for move in plan.moves}
    found = [
        channel
        for channel in repo.channels_on(version_id, with_version=False)
        if channel.id not in moved
    ]
    last: dict[str, ChannelMove] = {}
    for move in plan.moves:
        last[move.channel.id] = move
    found += [
        move.channel
        for move in last.values()
        if move.to_version is not None and move.to_version.id == version_id
    ]
    return found


def plan_revocation(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    versions: Sequence[str | Version],
    request: RevocationRequest,
    now: datetime,
    with_children: bool = False,
) -> RevocationPlan:
    """Revoke the versions (each by its id, or as found already) one after the other, as
    separate revokes would, without writing."""
    plan = RevocationPlan()
    for named in versions:
        version = named if isinstance(named, Version) else version_in_project(repo, scope, named)
        planned = plan.revoke_moment(version.id)
        if version.is_revoked(now) or (planned is not None and planned <= now):
            raise FailedPrecondition("the version is already revoked; restore it first")
        plan.revoked.append(RevokedVersion(version, request.revoke_at))
        if not request.skip_descendants:
            found = repo.versions_by_ids(descendants(repo, version), with_builds=False)
            for child in found.values():
                if plan.inherits(child):
                    plan.revoked.append(RevokedVersion(child, request.revoke_at, version))
        if request.rollback_channels:
            _plan_rollbacks(repo, plan, version, now)
    if with_children:
        plan.out_of_date_children = _out_of_date_children(repo, actor, plan, now)
    return plan


def _plan_rollbacks(repo: Work, plan: RevocationPlan, version: Version, now: datetime) -> None:
    """Roll each channel on the version (`latest` too) back to its newest earlier assignment
    still valid once the plan's revocations so far are made; every history is read at once."""

    def revoked(candidate: Version) -> bool:
        moment = plan.revoke_moment(candidate.id)
        return moment is not None and moment <= now

    found = _channels_on(repo, plan, version.id)
    stored = repo.histories(channel.id for channel in found)
    earlier: dict[str, list[str]] = {}
    for channel in found:
        newer = [
            move.to_version.id
            for move in reversed(plan.moves)
            if move.channel.id == channel.id and move.to_version is not None
        ]
        history = [entry.version_id for entry in stored.get(channel.id, []) if entry.version_id]
        earlier[channel.id] = [*newer, *history]
    candidates = repo.versions_by_ids(
        (version_id for ids in earlier.values() for version_id in ids), with_builds=False
    )
    for channel in found:
        target = newest_valid(
            earlier[channel.id], candidates, leaving=version.id, now=now, revoked=revoked
        )
        plan.moves.append(ChannelMove(channel, version, target))


def _out_of_date_children(
    repo: Work, actor: Actor, plan: RevocationPlan, now: datetime
) -> list[OutOfDateChild]:
    """The newest child of each child bucket whose parent is revoked, or whose parent channel
    moves off its parent, and which was not out of date before."""
    revoked = {entry.version.id for entry in plan.revoked}
    final: dict[str, Version | None] = {}
    for move in plan.moves:
        final[move.channel.id] = move.to_version
    parents = sorted(revoked | {move.from_version.id for move in plan.moves})
    found: list[OutOfDateChild] = []
    relations = newest_per_child_bucket(children_of(repo, Reader(repo, actor), parents, now))
    for relation in relations:
        if relation.status is AncestryStatus.OUT_OF_DATE:
            continue
        channel = relation.channel
        if relation.parent.id in revoked:
            turns = True
        elif channel is not None and channel.id in final:
            target = final[channel.id]
            turns = target is not None and target.id != relation.parent.id
        else:
            turns = False
        if turns:
            found.append(OutOfDateChild(relation.child, relation.parent, channel))
    return found
