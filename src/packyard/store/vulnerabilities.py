"""The operator's offline OSV vulnerability database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from packyard.domain.vulnerabilities import Vulnerability, affected_names, from_osv
from packyard.store.tables import vulnerabilities, vulnerable_packages


class VulnerabilityDatabase:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put(self, record: dict[str, Any], *, now: datetime) -> Vulnerability:
        """Add or replace one OSV record."""
        found = from_osv(record)
        self.conn.execute(delete(vulnerabilities).where(vulnerabilities.c.id == found.identifier))
        self.conn.execute(
            insert(vulnerabilities).values(id=found.identifier, record=record, imported_at=now)
        )
        names = affected_names(found)
        if names:
            self.conn.execute(
                insert(vulnerable_packages),
                [
                    {"vulnerability_id": found.identifier, "name": name, "purl": purl}
                    for name, purl in names
                ],
            )
        return found

    def for_names(self, names: Iterable[str]) -> dict[str, list[Vulnerability]]:
        """Every record naming one of these packages, by package name."""
        wanted = sorted(set(names))
        found: dict[str, list[Vulnerability]] = {}
        for start in range(0, len(wanted), 500):
            rows = self.conn.execute(
                select(vulnerable_packages.c.name, vulnerabilities.c.record)
                .join(
                    vulnerabilities, vulnerabilities.c.id == vulnerable_packages.c.vulnerability_id
                )
                .where(vulnerable_packages.c.name.in_(wanted[start : start + 500]))
            )
            for name, record in rows:
                known = found.setdefault(name, [])
                record_id = record.get("id")
                if all(item.identifier != record_id for item in known):
                    known.append(from_osv(record))
        return found

    def count(self) -> int:
        return int(
            self.conn.execute(select(func.count()).select_from(vulnerabilities)).scalar_one()
        )
