"""OSV vulnerability records and whether a package version is affected by one.

Matching follows the OSV schema: an affected entry names a package (name, and a purl when
the database has one) and lists affected `versions` and/or `ranges` of introduced/fixed
events. Range ordering for ECOSYSTEM ranges is approximated by comparing the numeric and
alphabetic runs of the version strings, which is right for the common dotted forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from packyard.domain.sbom import Package
from packyard.errors import InvalidArgument

_DIGITS = frozenset("0123456789")
CRITICALITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
_RUNS = re.compile(r"[0-9]+|[A-Za-z]+")


@dataclass(frozen=True)
class Vulnerability:
    identifier: str
    description: str = ""
    related: str = ""
    fixed_version: str = ""
    published_at: str = ""
    withdrawn_at: str = ""
    severity: str = ""
    criticality: str = "UNKNOWN"
    affected: tuple[dict[str, Any], ...] = field(default=(), repr=False)


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """A key that orders versions by their runs: numeric runs by value, then alphabetic ones.

    A numeric run is compared by its length without leading zeros, then by its digits, which
    orders it as its value would without building a number (a run of thousands of digits
    would be refused by int(), and it costs nothing to compare this way).
    """
    return tuple(_run_key(run) for run in _RUNS.findall(version))


def _run_key(run: str) -> tuple[int, int, str]:
    if run[0] in _DIGITS:
        digits = run.lstrip("0")
        return (0, len(digits), digits)
    return (1, 0, run)


def _criticality(record: dict[str, Any]) -> str:
    for source in [record.get("database_specific") or {}] + [
        item.get("database_specific") or {} for item in record.get("affected") or []
    ]:
        text = str(source.get("severity", "")).upper() if isinstance(source, dict) else ""
        text = {"MODERATE": "MEDIUM"}.get(text, text)
        if text in CRITICALITIES:
            return text
    return "UNKNOWN"


def from_osv(record: Any) -> Vulnerability:
    """Check an OSV record has what matching needs, and read the fields the API shows."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise InvalidArgument("an OSV record needs an id")
    affected = record.get("affected")
    if not isinstance(affected, list):
        raise InvalidArgument(f"OSV record {record['id']} has no affected list")
    severity = next(
        (
            str(item.get("score", ""))
            for item in record.get("severity") or []
            if isinstance(item, dict)
        ),
        "",
    )
    return Vulnerability(
        identifier=record["id"],
        description=str(record.get("summary") or record.get("details") or ""),
        related=", ".join(str(item) for item in record.get("aliases") or []),
        fixed_version=_first_fixed(affected),
        published_at=str(record.get("published") or ""),
        withdrawn_at=str(record.get("withdrawn") or ""),
        severity=severity,
        criticality=_criticality(record),
        affected=tuple(item for item in affected if isinstance(item, dict)),
    )


def _first_fixed(affected: list[Any]) -> str:
    for item in affected:
        for span in (item.get("ranges") or []) if isinstance(item, dict) else []:
            for event in span.get("events") or []:
                if isinstance(event, dict) and event.get("fixed"):
                    return str(event["fixed"])
    return ""


def affected_names(vulnerability: Vulnerability) -> list[tuple[str, str]]:
    """(name, purl) of every package the record names."""
    found = []
    for item in vulnerability.affected:
        package = item.get("package") or {}
        if isinstance(package, dict) and package.get("name"):
            found.append((str(package["name"]), str(package.get("purl") or "")))
    return found


def _purl_base(purl: str) -> str:
    return purl.split("@", 1)[0].split("?", 1)[0]


def _in_range(version: str, events: list[Any]) -> bool:
    """Walk the events in order (as OSV lists them): inside after introduced, out after fixed."""
    key, affected = version_key(version), False
    for event in events:
        if not isinstance(event, dict):
            continue
        if "introduced" in event:
            start = str(event["introduced"])
            if start == "0" or key >= version_key(start):
                affected = True
        elif "fixed" in event:
            affected = affected and key < version_key(str(event["fixed"]))
        elif "last_affected" in event:
            affected = affected and key <= version_key(str(event["last_affected"]))
    return affected


def affects(vulnerability: Vulnerability, package: Package) -> bool:
    if vulnerability.withdrawn_at:
        return False
    for item in vulnerability.affected:
        named = item.get("package") or {}
        if not isinstance(named, dict) or named.get("name") != package.name:
            continue
        purl = str(named.get("purl") or "")
        if purl and package.purl and _purl_base(purl) != _purl_base(package.purl):
            continue
        if package.version in (item.get("versions") or []):
            return True
        for span in item.get("ranges") or []:
            ordered = isinstance(span, dict) and span.get("type") in ("ECOSYSTEM", "SEMVER")
            if ordered and _in_range(package.version, span.get("events") or []):
                return True
    return False
