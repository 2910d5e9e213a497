"""Roles granted on one bucket: the bucket's IAM policy, its resource name and its etag."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from packyard.domain.identity import Role
from packyard.errors import InvalidArgument

ROLE_IDS: dict[str, Role] = {f"roles/{role.label}": role for role in Role}
"""The roles a bucket's policy may grant, by their HCP role ids."""

SERVICE_PRINCIPAL = "SERVICE_PRINCIPAL"
_MEMBER_TYPES = {"", "UNSET", SERVICE_PRINCIPAL}  # Packyard's principals are all services


@dataclass(frozen=True, order=True)
class Grant:
    """One principal holding one role on a bucket."""

    principal_id: str
    role: Role

    @property
    def role_id(self) -> str:
        return f"roles/{self.role.label}"


@dataclass(frozen=True)
class BucketName:
    """A bucket as its resource name points at it: packer/project/<project>/bucket/<name>."""

    project_id: str
    name: str

    @classmethod
    def parse(cls, resource_name: str) -> BucketName:
        parts = resource_name.split("/")
        if len(parts) != 5 or (parts[0], parts[1], parts[3]) != ("packer", "project", "bucket"):
            raise InvalidArgument(
                f'"{resource_name}" is not a bucket resource name: '
                "packer/project/<project id>/bucket/<bucket name>"
            )
        if not parts[2] or not parts[4]:
            raise InvalidArgument(f'"{resource_name}" names no project or no bucket')
        return cls(parts[2], parts[4])


@dataclass(frozen=True)
class Target:
    """The one bucket a request acts on, however the request names it: by name (in its path,
    body or a resource name), or by a build or version inside it."""

    bucket_name: str | None = None
    build_id: str | None = None
    version_id: str | None = None
    project_id: str | None = None  # a resource name's project; otherwise the path's


def role_for(role_id: str) -> Role:
    role = ROLE_IDS.get(role_id)
    if role is None:
        raise InvalidArgument(
            f'role "{role_id}" cannot be granted on a bucket: use one of {", ".join(ROLE_IDS)}'
        )
    return role


def grants_from(bindings: Iterable[tuple[str, Iterable[tuple[str, str]]]]) -> frozenset[Grant]:
    """A policy's (role id, [(member id, member type)]) bindings as grants, checked."""
    found: set[Grant] = set()
    for role_id, members in bindings:
        role = role_for(role_id)
        for member_id, member_type in members:
            if not member_id:
                raise InvalidArgument(f'a member of "{role_id}" has no member_id')
            if member_type not in _MEMBER_TYPES:
                raise InvalidArgument(
                    f'member "{member_id}" is a {member_type}: only service principals '
                    "can hold roles here"
                )
            found.add(Grant(member_id, role))
    return frozenset(found)


def etag(grants: Iterable[Grant]) -> str:
    """The policy's version as its content: empty for no policy, as clients expect."""
    ordered = sorted(grants)
    if not ordered:
        return ""
    text = "\n".join(f"{grant.role_id} {grant.principal_id}" for grant in ordered)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def strongest(roles: Iterable[Role]) -> Role | None:
    """The highest of the roles one principal holds on one bucket, if any."""
    return max(roles, default=None)
