"""Workload identity providers on a project's service principals: create, read, list, change,
delete; and what a token exchange needs to know of one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Scope, within
from packyard.domain.workload_identity import (
    PrincipalName,
    Provider,
    ProviderName,
    check_audiences,
    check_condition,
    check_description,
    check_issuer,
    check_name,
    update_fields,
)
from packyard.errors import AlreadyExists, InvalidArgument, NotFound
from packyard.ids import new_id
from packyard.store.work import Work


@dataclass(frozen=True)
class Changes:
    """A provider as a create or an update request gives it (None: not given)."""

    issuer_uri: str | None = None
    allowed_audiences: list[str] | None = None
    conditional_access: str | None = None
    description: str | None = None


def _principal_id(repo: Work, scope: Scope, principal: PrincipalName) -> str:
    """The project-level principal a resource name points at, in the caller's project."""
    row = repo.tenants.principal_by_name(principal.principal)
    if (
        row is None
        or row.project_id != principal.project_id  # a principal of the project it names
        or not within(
            row.organization_id,
            principal.project_id,
            organization=scope.organization_id,
            project=scope.project_id,
        )
    ):
        raise NotFound(f'service principal "{principal.resource_name}" not found')
    return str(row.id)


def _found(repo: Work, scope: Scope, name: ProviderName) -> Provider:
    provider = repo.providers.named(_principal_id(repo, scope, name.principal), name)
    if provider is None:
        raise NotFound(f'workload identity provider "{name.resource_name}" not found')
    return provider


def create_provider(
    repo: Work,
    scope: Scope,
    *,
    principal: PrincipalName,
    name: str,
    changes: Changes,
    now: datetime,
) -> Provider:
    principal_id = _principal_id(repo, scope, principal)
    provider_name = ProviderName(principal, check_name(name))
    providers = repo.providers
    if providers.named(principal_id, provider_name) is not None:
        raise AlreadyExists(f'"{provider_name.resource_name}" already exists')
    if not changes.issuer_uri:
        raise InvalidArgument("oidc_config.issuer_uri is required")
    provider = Provider(
        id=new_id(),
        name=provider_name,
        principal_id=principal_id,
        issuer_uri=check_issuer(changes.issuer_uri),
        allowed_audiences=check_audiences(changes.allowed_audiences or []),
        conditional_access=check_condition(changes.conditional_access or ""),
        description=check_description(changes.description or ""),
        created_at=now,
        updated_at=now,
    )
    providers.add(provider)
    return provider


def get_provider(repo: Work, scope: Scope, name: ProviderName) -> Provider:
    return _found(repo, scope, name)


def list_providers(repo: Work, scope: Scope, principal: PrincipalName) -> list[Provider]:
    return repo.providers.of_principal(_principal_id(repo, scope, principal), principal)


def update_provider(
    repo: Work,
    scope: Scope,
    name: ProviderName,
    *,
    changes: Changes,
    mask: str,
    now: datetime,
) -> Provider:
    """Change the fields the update_mask names (without one, the fields the request gives)."""
    provider = _found(repo, scope, name)
    given = {
        "description": changes.description,
        "conditional_access": changes.conditional_access,
        "oidc_config.allowed_audiences": changes.allowed_audiences,
    }
    fields = update_fields(mask, tuple(key for key, value in given.items() if value is not None))
    values: dict[str, Any] = {"updated_at": now}
    if "description" in fields:
        values["description"] = check_description(changes.description or "")
    if "conditional_access" in fields:
        values["conditional_access"] = check_condition(changes.conditional_access or "")
    if "oidc_config.allowed_audiences" in fields:
        values["allowed_audiences"] = check_audiences(changes.allowed_audiences or [])
    if changes.issuer_uri and changes.issuer_uri != provider.issuer_uri:
        raise InvalidArgument("oidc_config.issuer_uri cannot change: make a new provider")
    changed = replace(provider, **values)
    repo.providers.change(changed)
    return changed


def delete_provider(repo: Work, scope: Scope, name: ProviderName) -> None:
    repo.providers.remove(_found(repo, scope, name).id)


@dataclass(frozen=True)
class ExchangeTarget:
    """A provider a token is exchanged with, and the secret generation of its principal."""

    provider: Provider
    generation: int
    organization_id: str


def exchange_target(repo: Work, name: ProviderName) -> ExchangeTarget:
    """The provider a resource name points at, or NotFound (for any tenant alike)."""
    row = repo.tenants.principal_by_name(name.principal.principal)
    if row is None or row.project_id != name.principal.project_id:
        raise NotFound(f'workload identity provider "{name.resource_name}" not found')
    provider = repo.providers.named(str(row.id), name)
    if provider is None:
        raise NotFound(f'workload identity provider "{name.resource_name}" not found')
    return ExchangeTarget(provider, int(row.secret_generation), str(row.organization_id))


def record_exchange(repo: Work, event: AuditEvent) -> None:
    repo.audit.record(event)
