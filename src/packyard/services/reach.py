"""What a caller may read beyond the bucket its request addresses: another bucket's version or
channel, named as a build's parent or met in ancestry.

A version is readable where the caller's key reaches (its organization, and its project unless
the key is organization-wide) and the project's registry is active. A restricted channel is
readable only with the contributor role on its bucket (the caller's own role, or a higher one
granted on that bucket), as everywhere else restricted channels are hidden from viewers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from packyard.domain.identity import Actor, Role
from packyard.domain.registry import Channel, Version
from packyard.store.reach import BucketPlace
from packyard.store.work import Work


class Reader:
    """One caller's reach, with what it has looked up so far (one transaction long)."""

    def __init__(self, repo: Work, actor: Actor) -> None:
        self._reach = repo.reach
        self.actor = actor
        self._places: dict[str, BucketPlace | None] = {}
        self._roles: dict[str, Role] = {}
        self._own_role: Role | None = None if actor.bucket_roles else actor.role

    def _place(self, bucket_id: str) -> BucketPlace | None:
        if bucket_id not in self._places:
            self.learn([bucket_id])
        return self._places[bucket_id]

    def learn(self, bucket_ids: Iterable[str]) -> None:
        """Look up these buckets' places at once (ahead of many checks)."""
        wanted = {bucket_id for bucket_id in bucket_ids if bucket_id not in self._places}
        found = self._reach.places(wanted)
        for bucket_id in wanted:
            self._places[bucket_id] = found.get(bucket_id)

    def sees_bucket(self, bucket_id: str) -> bool:
        place = self._place(bucket_id)
        return (
            place is not None
            and place.active
            and self.actor.can_see(place.organization_id, place.project_id)
        )

    def role_on(self, bucket_id: str) -> Role:
        """The caller's role on a bucket it sees: its own, or a higher one granted there."""
        if bucket_id not in self._roles:
            if self._own_role is None:  # the actor's role may be one granted on another bucket
                self._own_role = self._reach.own_role(self.actor.principal_id) or Role.VIEWER
            role = self._own_role
            if self.actor.bucket_roles:
                granted = self._reach.granted(self.actor.principal_id, [bucket_id])
                role = max(role, granted.get(bucket_id, role))
            self._roles[bucket_id] = role
        return self._roles[bucket_id]

    def may_read_version(self, version: Version) -> bool:
        return self.sees_bucket(version.bucket_id)

    def may_read_channel(self, channel: Channel) -> bool:
        if not self.sees_bucket(channel.bucket_id):
            return False
        return replace(self.actor, role=self.role_on(channel.bucket_id)).reads_channel(
            channel.restricted
        )
