"""SBOMs as Packer uploads them (zstd-compressed SPDX or CycloneDX JSON) and their packages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import zstandard

from packyard.errors import InvalidArgument

MAX_SBOM_BYTES = 64 * 1024 * 1024  # decompressed


class SbomFormat(StrEnum):
    SPDX = "SPDX"
    CYCLONEDX = "CYCLONEDX"


@dataclass(frozen=True)
class Sbom:
    id: str
    build_id: str
    name: str
    format: SbomFormat


@dataclass(frozen=True)
class Package:
    name: str
    version: str = ""
    purl: str = ""
    license: str = ""


@dataclass(frozen=True)
class FoundPackage:
    """A package as listed: where it came from, and which channel ships it (bucket lists)."""

    package: Package
    sbom: Sbom
    build_id: str
    build_name: str
    channel_id: str = ""
    channel_name: str = ""


def default_name(format: SbomFormat) -> str:
    """The name of an SBOM uploaded without one: stable per build and format."""
    return f"sbom-{format.value.lower()}"


def decompress(compressed: bytes) -> bytes:
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(compressed)
        data = reader.read(MAX_SBOM_BYTES + 1)
    except zstandard.ZstdError as exc:
        raise InvalidArgument(f"the SBOM is not zstd-compressed data: {exc}") from None
    if len(data) > MAX_SBOM_BYTES:
        raise InvalidArgument(f"the SBOM exceeds {MAX_SBOM_BYTES} bytes once decompressed")
    if not data:
        raise InvalidArgument("the SBOM is empty")
    return data


def parse(data: bytes, format: SbomFormat) -> list[Package]:
    """Check the document is JSON of the stated format; answer the packages it lists."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("the SBOM is not JSON") from None
    if not isinstance(document, dict):
        raise InvalidArgument("the SBOM is not a JSON object")
    if format is SbomFormat.SPDX:
        if "spdxVersion" not in document:
            raise InvalidArgument("the SBOM is not SPDX JSON (no spdxVersion)")
        return [_spdx(item) for item in document.get("packages") or [] if _named(item)]
    if document.get("bomFormat") != "CycloneDX":
        raise InvalidArgument('the SBOM is not CycloneDX JSON (bomFormat is not "CycloneDX")')
    return [_cyclonedx(item) for item in _components(document) if _named(item)]


def _named(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("name"), str) and bool(item["name"])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _spdx(item: dict[str, Any]) -> Package:
    purl = next(
        (
            _text(ref.get("referenceLocator"))
            for ref in item.get("externalRefs") or []
            if isinstance(ref, dict) and ref.get("referenceType") == "purl"
        ),
        "",
    )
    license = next(
        (
            _text(item.get(key))
            for key in ("licenseConcluded", "licenseDeclared")
            if _text(item.get(key)) not in ("", "NOASSERTION", "NONE")
        ),
        "",
    )
    return Package(item["name"], _text(item.get("versionInfo")), purl, license)


def _components(document: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    pending = list(document.get("components") or [])
    while pending:
        item = pending.pop(0)
        found.append(item)
        if isinstance(item, dict):
            pending.extend(item.get("components") or [])
    return found


def _cyclonedx(item: dict[str, Any]) -> Package:
    licenses = []
    for entry in item.get("licenses") or []:
        if not isinstance(entry, dict):
            continue
        if _text(entry.get("expression")):
            licenses.append(entry["expression"])
        elif isinstance(entry.get("license"), dict):
            chosen = entry["license"]
            licenses.append(_text(chosen.get("id")) or _text(chosen.get("name")))
    return Package(
        item["name"],
        _text(item.get("version")),
        _text(item.get("purl")),
        " AND ".join(name for name in licenses if name),
    )
