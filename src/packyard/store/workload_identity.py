"""Workload identity providers, as the services read and change them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from packyard.domain.workload_identity import PrincipalName, Provider, ProviderName
from packyard.store.tables import principals, workload_identity_providers

_providers = workload_identity_providers


def _provider(row: Any, principal: PrincipalName) -> Provider:
    return Provider(
        id=row.id,
        name=ProviderName(principal, row.name),
        principal_id=row.principal_id,
        issuer_uri=row.issuer_uri,
        allowed_audiences=tuple(json.loads(row.allowed_audiences)),
        conditional_access=row.conditional_access,
        description=row.description,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class Providers:
    """Queries over workload identity providers, inside one open transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def of_principal(self, principal_id: str, principal: PrincipalName) -> list[Provider]:
        rows = self.conn.execute(
            select(_providers)
            .where(_providers.c.principal_id == principal_id)
            .order_by(_providers.c.name)
        )
        return [_provider(row, principal) for row in rows]

    def named(self, principal_id: str, name: ProviderName) -> Provider | None:
        row = self.conn.execute(
            select(_providers).where(
                _providers.c.principal_id == principal_id, _providers.c.name == name.name
            )
        ).first()
        return None if row is None else _provider(row, name.principal)

    def add(self, provider: Provider) -> None:
        self.conn.execute(
            insert(_providers).values(
                id=provider.id,
                principal_id=provider.principal_id,
                name=provider.name.name,
                issuer_uri=provider.issuer_uri,
                allowed_audiences=json.dumps(list(provider.allowed_audiences)),
                conditional_access=provider.conditional_access,
                description=provider.description,
                created_at=provider.created_at,
                updated_at=provider.updated_at,
            )
        )

    def change(self, provider: Provider) -> None:
        self.conn.execute(
            update(_providers)
            .where(_providers.c.id == provider.id)
            .values(
                allowed_audiences=json.dumps(list(provider.allowed_audiences)),
                conditional_access=provider.conditional_access,
                description=provider.description,
                updated_at=provider.updated_at,
            )
        )

    def remove(self, provider_id: str) -> None:
        self.conn.execute(delete(_providers).where(_providers.c.id == provider_id))

    def principal_generation(self, principal_id: str) -> int | None:
        """The principal's secret generation, which the access tokens it gets carry."""
        found = self.conn.execute(
            select(principals.c.secret_generation).where(principals.c.id == principal_id)
        ).scalar()
        return None if found is None else int(found)
