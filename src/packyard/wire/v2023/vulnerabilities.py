"""Vulnerability reads of a bucket's packages on the 2023-01-01 plane."""

from __future__ import annotations

from collections.abc import Iterable

from packyard.domain.identity import Role
from packyard.domain.sbom import FoundPackage
from packyard.domain.vulnerabilities import CRITICALITIES, Vulnerability
from packyard.errors import InvalidArgument
from packyard.services import vulnerabilities
from packyard.wire.http import paginate
from packyard.wire.routing import Call, Route
from packyard.wire.v2023.routes import PREFIX
from packyard.wire.v2023.supply_chain import package_filter, packages_page, vulnerability_shape

_BUCKET = PREFIX + "/buckets/{bucket_name}"


def _filter(call: Call) -> vulnerabilities.VulnerabilityFilter:
    query = call.request.query_params
    criticality = query.get("criticality") or None
    if criticality and criticality.upper() not in CRITICALITIES:
        raise InvalidArgument(f"criticality must be one of {', '.join(CRITICALITIES)}")
    return vulnerabilities.VulnerabilityFilter(
        criticality=criticality,
        identifier=query.get("identifier") or None,
        identifier_prefix=query.get("identifier_starts_with") or None,
    )


def _findings(call: Call) -> tuple[list[FoundPackage], dict[int, list[Vulnerability]]]:
    return vulnerabilities.bucket_findings(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        packages=package_filter(call),
        only=_filter(call),
    )


def _unique(items: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for item in items:
        cleaned = {key: value for key, value in item.items() if value}
        if cleaned not in found:
            found.append(cleaned)
    return found


def bucket_vulnerabilities(call: Call) -> object:
    found = vulnerabilities.bucket_vulnerabilities(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        packages=package_filter(call),
        only=_filter(call),
    )
    page, pagination = paginate(call.request, found)
    return {
        "vulnerabilities": [
            {
                "vulnerability": vulnerability_shape(item.vulnerability),
                "impacted_packages": _unique(
                    {"name": p.package.name, "version": p.package.version, "purl": p.package.purl}
                    for p in item.packages
                ),
                "impacted_builds": _unique(
                    {"id": p.build_id, "name": p.build_name} for p in item.packages
                ),
                "impacted_channels": _unique(
                    {"id": p.channel_id, "name": p.channel_name} for p in item.packages
                ),
            }
            for item in page
        ],
        "pagination": pagination,
    }


def packages_with_vulnerabilities(call: Call) -> object:
    shipped, hits = _findings(call)
    return packages_page(call, shipped, hits, vulnerable_only=True)


def vulnerability_summary(call: Call) -> object:
    shipped, hits = _findings(call)
    by_package: dict[tuple[str, str, str, str], set[str]] = {}
    by_channel: dict[tuple[str, str, str], set[str]] = {}
    totals: dict[str, set[str]] = {}
    for index, found in hits.items():
        item = shipped[index]
        for vulnerability in found:
            level, name = vulnerability.criticality, vulnerability.identifier
            package = (item.package.name, item.package.version, item.package.purl, level)
            by_package.setdefault(package, set()).add(name)
            by_channel.setdefault((item.channel_name, item.channel_id, level), set()).add(name)
            totals.setdefault(level, set()).add(name)
    return {
        "packages_by_criticality": [
            {
                "package_name": name,
                "package_version": version,
                "package_purl": purl,
                "criticality": level,
                "vulnerability_count": str(len(ids)),
            }
            for (name, version, purl, level), ids in sorted(by_package.items())
        ],
        "channels_by_criticality": [
            {
                "channel_name": name,
                "channel_id": channel_id,
                "criticality": level,
                "vulnerability_count": str(len(ids)),
            }
            for (name, channel_id, level), ids in sorted(by_channel.items())
        ],
        "total_by_criticality": [
            {"criticality": level, "vulnerability_count": str(len(ids))}
            for level, ids in sorted(totals.items(), key=lambda kv: CRITICALITIES.index(kv[0]))
        ],
    }


ROUTES = [
    Route(
        "GET",
        _BUCKET + "/packages/vulnerability-summary",
        vulnerability_summary,
        Role.VIEWER,
        "v2023.ListBucketPackagesVulnerabilitySummary",
    ),
    Route(
        "GET",
        _BUCKET + "/packages/with-vulnerabilities",
        packages_with_vulnerabilities,
        Role.VIEWER,
        "v2023.ListBucketPackagesWithVulnerabilities",
    ),
    Route(
        "GET",
        _BUCKET + "/vulnerabilities",
        bucket_vulnerabilities,
        Role.VIEWER,
        "v2023.ListBucketVulnerabilities",
    ),
]
