"""SBOMs, packages and artifact search on the 2023-01-01 plane."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
from starlette.responses import Response

from packyard.domain.identity import Role
from packyard.domain.sbom import FoundPackage, Sbom, SbomFormat, SbomUpload, read_upload
from packyard.domain.vulnerabilities import Vulnerability
from packyard.errors import InvalidArgument
from packyard.ids import parse_rfc3339, rfc3339
from packyard.services import sboms, search, vulnerabilities
from packyard.wire.http import paginate, sort
from packyard.wire.routing import Call, Route
from packyard.wire.v2023 import shapes
from packyard.wire.v2023.routes import PREFIX

_BUILD = PREFIX + "/buckets/{bucket_name}/versions/{fingerprint}/builds/{build_id}"


class UploadSbom(msgspec.Struct):
    compressed_sbom: bytes | None = None
    format: SbomFormat | None = None
    name: str | None = None


@dataclass(frozen=True)
class ReadSbom:
    upload: SbomUpload
    name: str | None


def read_sbom(body: UploadSbom) -> ReadSbom:
    """The upload decompressed and parsed, before the write transaction opens."""
    if not body.compressed_sbom:
        raise InvalidArgument("compressed_sbom is required (zstd-compressed JSON, base64)")
    if body.format is None:
        raise InvalidArgument("format is required: SPDX or CYCLONEDX")
    return ReadSbom(read_upload(body.compressed_sbom, body.format), body.name)


class SearchArtifact(msgspec.Struct):
    external_identifier: str | None = None
    platform: str | None = None
    region: str | None = None


def _sbom(found: Sbom) -> dict[str, str]:
    return {"id": found.id, "name": found.name, "format": found.format.value}


def _moment(text: str) -> str | None:
    try:
        moment = parse_rfc3339(text) if text else None
    except ValueError:
        return None
    return rfc3339(moment) if moment else None


def vulnerability_shape(found: Vulnerability) -> dict[str, object]:
    shape: dict[str, object] = {
        "identifier": found.identifier,
        "description": found.description,
        "related": found.related,
        "fixed_version": found.fixed_version,
        "published_at": _moment(found.published_at),
        "withdrawn_at": _moment(found.withdrawn_at),
        "severity": found.severity,
        "criticality": found.criticality,
    }
    return {key: value for key, value in shape.items() if value not in ("", None)}


def _package(
    found: FoundPackage, vulnerable: list[Vulnerability] | None = None, *, now: str = ""
) -> dict[str, object]:
    shape: dict[str, object] = {
        "name": found.package.name,
        "version": found.package.version,
        "purl": found.package.purl,
        "sboms": [_sbom(found.sbom)],
        "build_id": found.build_id,
        "build_name": found.build_name,
    }
    if found.channel_id:
        shape["channel_id"], shape["channel_name"] = found.channel_id, found.channel_name
    if vulnerable:
        shape["vuln_details"] = [
            {
                "last_scanned_at": now,
                "vulnerabilities": [vulnerability_shape(item) for item in vulnerable],
            }
        ]
    return {key: value for key, value in shape.items() if value != ""}


def package_filter(call: Call) -> sboms.PackageFilter:
    query = call.request.query_params
    return sboms.PackageFilter(
        name=query.get("package_name") or None,
        name_prefix=query.get("package_name_starts_with") or None,
        version=query.get("package_version") or None,
    )


def build_path(call: Call) -> sboms.BuildPath:
    """The build the path names, in the version of its bucket and fingerprint."""
    return sboms.BuildPath(
        call.param("build_id"), call.param("bucket_name"), call.param("fingerprint")
    )


def packages_page(
    call: Call,
    found: list[FoundPackage],
    hits: dict[int, list[Vulnerability]],
    *,
    vulnerable_only: bool = False,
) -> dict[str, object]:
    """Sorted, paged packages, each with the vulnerabilities that affect it."""
    indexed = [
        (item, hits.get(index, []))
        for index, item in enumerate(found)
        if hits.get(index) or not vulnerable_only
    ]
    ordered = sort(
        call.request,
        indexed,
        {
            "name": lambda p: p[0].package.name,
            "package_name": lambda p: p[0].package.name,
            "version": lambda p: p[0].package.version,
            "package_version": lambda p: p[0].package.version,
        },
    )
    page, pagination = paginate(call.request, ordered)
    now = rfc3339(call.now)
    return {
        "packages": [_package(item, found_hits, now=now) for item, found_hits in page],
        "pagination": pagination,
    }


def upload_sbom(call: Call) -> object:
    body: ReadSbom = call.body
    found = sboms.upload_sbom(
        call.work,
        call.scope,
        build_id=build_path(call),
        upload=body.upload,
        name=body.name,
        now=call.now,
    )
    return {"sbom": _sbom(found)}


def list_sboms(call: Call) -> object:
    found = sboms.list_sboms(call.repo, call.scope, build_id=build_path(call))
    return {"sboms": [_sbom(item) for item in found]}


def get_sbom(call: Call) -> object:
    sboms.find_sbom(call.repo, call.scope, build_id=build_path(call), name=call.param("sbom_name"))
    return {"download_url": call.settings.base_url + call.request.url.path + "/download"}


def download_sbom(call: Call) -> object:
    _, document = sboms.sbom_document(
        call.repo, call.scope, build_id=build_path(call), name=call.param("sbom_name")
    )
    return Response(document, 200, media_type="application/json")


def build_packages(call: Call) -> object:
    found, hits = vulnerabilities.build_findings(
        call.work, call.scope, build=build_path(call), packages=package_filter(call)
    )
    return packages_page(call, found, hits)


def bucket_packages(call: Call) -> object:
    found, hits = vulnerabilities.bucket_findings(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        packages=package_filter(call),
        only=vulnerabilities.VulnerabilityFilter(),
    )
    return packages_page(call, found, hits)


def search_external_artifact(call: Call) -> object:
    body: SearchArtifact = call.body
    if not body.external_identifier:
        raise InvalidArgument("external_identifier is required")
    found = search.find_artifacts(
        call.repo,
        call.scope,
        external_identifier=body.external_identifier,
        platform=body.platform or None,
        region=body.region or None,
    )
    page, pagination = paginate(call.request, found)
    return {
        "artifacts": [
            {
                "bucket": {
                    "id": item.bucket.id,
                    "name": item.bucket.name,
                    "labels": item.bucket.labels,
                },
                "version": shapes.external_version(item.version, call.now),
                "build": shapes.build(item.build),
            }
            for item in page
        ],
        "pagination": pagination,
    }


V, C = Role.VIEWER, Role.CONTRIBUTOR

ROUTES = [
    Route(
        "POST",
        PREFIX + "/_search/external_artifact",
        search_external_artifact,
        V,
        "v2023.SearchExternalArtifact",
        SearchArtifact,
    ),
    Route(
        "GET",
        PREFIX + "/buckets/{bucket_name}/packages",
        bucket_packages,
        V,
        "v2023.ListBucketPackages",
    ),
    Route("GET", _BUILD + "/packages", build_packages, V, "v2023.ListBuildPackages"),
    Route("GET", _BUILD + "/sboms", list_sboms, V, "v2023.ListSboms"),
    Route(
        "PUT",
        _BUILD + "/sboms",
        upload_sbom,
        C,
        "v2023.UploadSbom",
        UploadSbom,
        prepare=read_sbom,
    ),
    Route("GET", _BUILD + "/sboms/{sbom_name}", get_sbom, V, "v2023.GetSbom"),
    Route("GET", _BUILD + "/sboms/{sbom_name}/download", download_sbom, V, "DownloadSbom"),
]
