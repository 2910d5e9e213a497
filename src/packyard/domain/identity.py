"""Who is asking: tenants, principals and their roles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum


class Role(IntEnum):
    """Ordered so that a higher role can do everything a lower one can."""

    VIEWER = 1
    CONTRIBUTOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        return cls[text.strip().upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


def within(
    organization_id: str | None,
    project_id: str | None = None,
    *,
    organization: str,
    project: str | None = None,
) -> bool:
    """The tenancy check, written once: whether what belongs to `organization_id` (and, when
    given, to its project `project_id`) lies within the tenancy of `organization`: all of it
    when `project` is None, else that one project. Whatever lies outside answers, to whoever
    asks from there, as if it did not exist."""
    if organization_id is None or organization_id != organization:
        return False
    return project_id is None or project in (None, project_id)


@dataclass(frozen=True)
class Actor:
    """An authenticated service principal acting on the registry."""

    principal_id: str
    name: str
    role: Role
    organization_id: str
    project_id: str | None
    bucket_roles: bool = False  # holds a role granted on some bucket (see domain/iam.py)

    def on_bucket(self, granted: Role | None) -> Actor:
        """The actor acting on one bucket: its own role, or the higher one granted there."""
        if granted is None or granted <= self.role:
            return self
        return replace(self, role=granted)

    def reads_channel(self, restricted: bool) -> bool:
        """Whether a channel exists for this actor (acting on the channel's bucket): a
        restricted one only for contributors and admins, never for viewers."""
        return not restricted or self.role >= Role.CONTRIBUTOR

    def can_see(self, organization_id: str, project_id: str | None = None) -> bool:
        """Whether the organization (and project) lie within this actor's tenancy."""
        return within(
            organization_id,
            project_id,
            organization=self.organization_id,
            project=self.project_id,
        )


@dataclass(frozen=True)
class Scope:
    """Where a registry request points: one project of one organization."""

    organization_id: str
    project_id: str
