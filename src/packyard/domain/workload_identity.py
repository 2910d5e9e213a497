"""Workload identity providers: an OIDC issuer a project's service principal trusts, the
audiences it accepts, and the conditional access statement a token's claims must satisfy.

A provider is named by its resource name,
iam/project/<project id>/service-principal/<principal name>/workload-identity-provider/<name>,
which is also the audience a token must carry when the provider names none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from packyard.domain import conditions
from packyard.domain.update_mask import mask_paths
from packyard.errors import InvalidArgument

_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,34}[a-z0-9])")
MAX_AUDIENCES = 10
MAX_DESCRIPTION = 255
UPDATABLE = ("description", "conditional_access", "oidc_config.allowed_audiences")
"""The fields an update_mask may name (the issuer is the provider's identity: fixed)."""


@dataclass(frozen=True)
class PrincipalName:
    """A project-level service principal as its resource name points at it."""

    project_id: str
    principal: str

    @property
    def resource_name(self) -> str:
        return f"iam/project/{self.project_id}/service-principal/{self.principal}"

    @classmethod
    def parse(cls, resource_name: str) -> PrincipalName:
        parts = resource_name.strip("/").split("/")
        if (
            len(parts) != 5
            or (parts[0], parts[1], parts[3])
            != (
                "iam",
                "project",
                "service-principal",
            )
            or not parts[2]
            or not parts[4]
        ):
            raise InvalidArgument(
                f'"{resource_name}" is not a service principal resource name: '
                "iam/project/<project id>/service-principal/<name>"
            )
        return cls(parts[2], parts[4])


@dataclass(frozen=True)
class ProviderName:
    principal: PrincipalName
    name: str

    @property
    def resource_name(self) -> str:
        return f"{self.principal.resource_name}/workload-identity-provider/{self.name}"

    @classmethod
    def parse(cls, resource_name: str) -> ProviderName:
        head, sep, name = resource_name.strip("/").rpartition("/workload-identity-provider/")
        if not sep or not name or "/" in name:
            raise InvalidArgument(
                f'"{resource_name}" is not a workload identity provider resource name'
            )
        return cls(PrincipalName.parse(head), name)


@dataclass(frozen=True)
class Provider:
    id: str
    name: ProviderName
    principal_id: str
    issuer_uri: str
    allowed_audiences: tuple[str, ...]
    conditional_access: str
    description: str
    created_at: datetime
    updated_at: datetime

    @property
    def audiences(self) -> tuple[str, ...]:
        """The audiences a token may carry: the allowed ones, else the resource name."""
        return self.allowed_audiences or (self.name.resource_name,)


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidArgument(
            f'"{name}" is not a provider name: 3 to 36 lower-case letters, digits and '
            "hyphens, starting and ending with a letter or digit"
        )
    return name


def check_issuer(issuer_uri: str) -> str:
    parts = urlsplit(issuer_uri)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise InvalidArgument(
            f'issuer_uri "{issuer_uri}" must be an https URL with no query or fragment'
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidArgument("issuer_uri must not carry credentials")
    return issuer_uri


def check_audiences(audiences: list[str]) -> tuple[str, ...]:
    if len(audiences) > MAX_AUDIENCES:
        raise InvalidArgument(f"at most {MAX_AUDIENCES} allowed_audiences")
    if any(not audience.strip() for audience in audiences):
        raise InvalidArgument("an allowed audience is empty")
    return tuple(dict.fromkeys(audiences))


def check_condition(statement: str) -> str:
    conditions.parse(statement)
    return statement


def check_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise InvalidArgument(f"description is longer than {MAX_DESCRIPTION} characters")
    return description


def update_fields(mask: str, given: tuple[str, ...]) -> tuple[str, ...]:
    """The fields an update changes: those its update_mask names, or without a mask, the
    changeable ones the request gives."""
    fields = mask_paths(mask)
    for item in fields:
        if item not in UPDATABLE:
            raise InvalidArgument(
                f'update_mask names "{item}": only {", ".join(UPDATABLE)} can change'
            )
    return fields if mask.strip() else tuple(item for item in UPDATABLE if item in given)
