"""Vulnerabilities of the packages a bucket ships, from the operator's OSV database."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from packyard.domain.identity import Actor, Scope
from packyard.domain.sbom import FoundPackage
from packyard.domain.vulnerabilities import Vulnerability, affects
from packyard.errors import InvalidArgument
from packyard.services.sboms import PackageFilter, bucket_packages
from packyard.store.repository import Repository
from packyard.store.vulnerabilities import VulnerabilityDatabase


def _records(path: Path) -> Iterator[tuple[str, Any]]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix in (".json", ".zip"):
                yield from _records(child)
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if member.endswith(".json"):
                    yield f"{path}:{member}", archive.read(member)
    else:
        yield str(path), path.read_bytes()


def import_osv(conn: Connection, paths: list[Path], *, now: datetime) -> int:
    """Load OSV records (JSON files, directories of them, or OSV zip exports)."""
    database, count = VulnerabilityDatabase(conn), 0
    for path in paths:
        if not path.exists():
            raise InvalidArgument(f"{path} does not exist")
        for where, raw in _records(path):
            try:
                record = json.loads(raw)
            except ValueError:
                raise InvalidArgument(f"{where} is not JSON") from None
            for item in record if isinstance(record, list) else [record]:
                try:
                    database.put(item, now=now)
                except InvalidArgument as exc:
                    raise InvalidArgument(f"{where}: {exc.message}") from None
                count += 1
    return count


@dataclass
class Finding:
    """One vulnerability and what in the bucket it reaches."""

    vulnerability: Vulnerability
    packages: list[FoundPackage] = field(default_factory=list)


@dataclass(frozen=True)
class VulnerabilityFilter:
    criticality: str | None = None
    identifier: str | None = None
    identifier_prefix: str | None = None

    def keeps(self, found: Vulnerability) -> bool:
        return (
            (not self.criticality or found.criticality == self.criticality.upper())
            and (not self.identifier or found.identifier == self.identifier)
            and (not self.identifier_prefix or found.identifier.startswith(self.identifier_prefix))
        )


def matches(repo: Repository, found: list[FoundPackage]) -> dict[int, list[Vulnerability]]:
    """Vulnerabilities of each package, by its position in the list."""
    known = VulnerabilityDatabase(repo.conn).for_names(item.package.name for item in found)
    return {
        index: hits
        for index, item in enumerate(found)
        if (hits := [v for v in known.get(item.package.name, []) if affects(v, item.package)])
    }


def bucket_findings(
    repo: Repository,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    packages: PackageFilter,
    only: VulnerabilityFilter,
) -> tuple[list[FoundPackage], dict[int, list[Vulnerability]]]:
    shipped = bucket_packages(repo, actor, scope, bucket_name=bucket_name, only=packages)
    hits = {
        index: kept
        for index, found in matches(repo, shipped).items()
        if (kept := [item for item in found if only.keeps(item)])
    }
    return shipped, hits


def by_vulnerability(
    shipped: list[FoundPackage], hits: dict[int, list[Vulnerability]]
) -> list[Finding]:
    findings: dict[str, Finding] = {}
    for index, found in hits.items():
        for vulnerability in found:
            finding = findings.setdefault(vulnerability.identifier, Finding(vulnerability))
            finding.packages.append(shipped[index])
    return sorted(findings.values(), key=lambda item: item.vulnerability.identifier)
