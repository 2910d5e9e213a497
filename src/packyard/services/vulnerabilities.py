"""Vulnerabilities of the packages a bucket ships, from the operator's OSV database."""

from __future__ import annotations

import json
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from packyard.domain.identity import Actor, Scope
from packyard.domain.sbom import FoundPackage
from packyard.domain.vulnerabilities import Vulnerability, affects
from packyard.errors import InvalidArgument
from packyard.services.sboms import BuildPath, PackageFilter, bucket_packages, build_packages
from packyard.store.work import Work

RECORD_LIMIT = 32 << 20  # one JSON file or zip member, uncompressed
TOTAL_LIMIT = 2 << 30  # everything one import reads, uncompressed
_CHUNK = 1 << 20
_UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not have
    RuntimeError,  # an encrypted member
    OSError,
)


@dataclass
class ImportLimits:
    """Bounds on what an import reads, so that a zip bomb cannot exhaust memory."""

    record_bytes: int = RECORD_LIMIT
    total_bytes: int = TOTAL_LIMIT
    read_bytes: int = 0

    def read(self, stream: IO[bytes], where: str) -> bytes:
        """The whole of `stream`, read a chunk at a time against both limits."""
        chunks, size = [], 0
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            self.read_bytes += len(chunk)
            if size > self.record_bytes:
                raise InvalidArgument(
                    f"{where} is over {self.record_bytes} bytes (--max-record-bytes)"
                )
            if self.read_bytes > self.total_bytes:
                raise InvalidArgument(
                    f"the import is over {self.total_bytes} bytes at {where} (--max-total-bytes)"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _zip_records(path: Path, limits: ImportLimits) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda item: item.filename):
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                where = f"{path}:{info.filename}"
                if info.file_size > limits.record_bytes:
                    raise InvalidArgument(
                        f"{where} is over {limits.record_bytes} bytes (--max-record-bytes)"
                    )
                with archive.open(info) as member:
                    raw = limits.read(member, where)
                yield where, raw
    except _UNREADABLE_ZIP as exc:
        raise InvalidArgument(f"{path} is not a readable zip: {exc}") from None


def _records(path: Path, limits: ImportLimits) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix in (".json", ".zip"):
                yield from _records(child, limits)
    elif path.suffix == ".zip":
        yield from _zip_records(path, limits)
    else:
        try:
            with path.open("rb") as handle:
                raw = limits.read(handle, str(path))
        except OSError as exc:
            raise InvalidArgument(f"cannot read {path}: {exc.strerror}") from None
        yield str(path), raw


def import_osv(
    work: Work, paths: list[Path], *, now: datetime, limits: ImportLimits | None = None
) -> int:
    """Load OSV records (JSON files, directories of them, or OSV zip exports), all or none:
    the first unreadable file or record fails the import (the caller's transaction)."""
    database, count, limits = work.vulnerabilities, 0, limits or ImportLimits()
    for path in paths:
        if not path.exists():
            raise InvalidArgument(f"{path} does not exist")
        for where, raw in _records(path, limits):
            try:
                record = json.loads(raw)
            except (ValueError, RecursionError):
                raise InvalidArgument(f"{where} is not JSON") from None
            for item in record if isinstance(record, list) else [record]:
                try:
                    database.put(item, now=now)
                except InvalidArgument as exc:
                    raise InvalidArgument(f"{where}: {exc.message}") from None
                except (AttributeError, TypeError):
                    raise InvalidArgument(f"{where}: not an OSV record of the OSV schema") from None
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


def matches(repo: Work, found: list[FoundPackage]) -> dict[int, list[Vulnerability]]:
    """Vulnerabilities of each package, by its position in the list."""
    known = repo.vulnerabilities.for_names(item.package.name for item in found)
    return {
        index: hits
        for index, item in enumerate(found)
        if (hits := [v for v in known.get(item.package.name, []) if affects(v, item.package)])
    }


def bucket_findings(
    repo: Work,
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


def build_findings(
    repo: Work, scope: Scope, *, build: BuildPath, packages: PackageFilter
) -> tuple[list[FoundPackage], dict[int, list[Vulnerability]]]:
    """The build's packages, and the vulnerabilities of each by its position in the list."""
    found = build_packages(repo, scope, build_id=build, only=packages)
    return found, matches(repo, found)


def bucket_vulnerabilities(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    packages: PackageFilter,
    only: VulnerabilityFilter,
) -> list[Finding]:
    """Each vulnerability of the packages the bucket's channels ship, with those packages."""
    shipped, hits = bucket_findings(
        repo, actor, scope, bucket_name=bucket_name, packages=packages, only=only
    )
    return by_vulnerability(shipped, hits)


def by_vulnerability(
    shipped: list[FoundPackage], hits: dict[int, list[Vulnerability]]
) -> list[Finding]:
    findings: dict[str, Finding] = {}
    for index, found in hits.items():
        for vulnerability in found:
            finding = findings.setdefault(vulnerability.identifier, Finding(vulnerability))
            finding.packages.append(shipped[index])
    return sorted(findings.values(), key=lambda item: item.vulnerability.identifier)


def version_findings(repo: Work, shipped: list[FoundPackage]) -> list[Finding] | None:
    """What the operator's database says of a version's packages (the packages its SBOMs list),
    by vulnerability; None when no database was imported, so nothing can be said."""
    if repo.vulnerabilities.count() == 0:
        return None
    return by_vulnerability(shipped, matches(repo, shipped))
