"""SBOMs as Packer uploads them (zstd-compressed SPDX or CycloneDX JSON) and their packages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import zstandard

from packyard.domain.sbom_documents import (
    CycloneDxComponent,
    CycloneDxDocument,
    SbomLimits,
    SpdxDocument,
    SpdxPackage,
    components,
    decode,
)
from packyard.errors import InvalidArgument

LIMITS = SbomLimits()
_CHUNK = 1024 * 1024


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
class SbomUpload:
    """An uploaded SBOM, checked and read (before any transaction: reading it takes time)."""

    compressed: bytes
    format: SbomFormat
    packages: list[Package]


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


def read_upload(compressed: bytes, format: SbomFormat, limits: SbomLimits = LIMITS) -> SbomUpload:
    """Check an upload decompresses and parses as the stated format, within the bounds."""
    return SbomUpload(compressed, format, parse(decompress(compressed, limits), format, limits))


def decompress(compressed: bytes, limits: SbomLimits = LIMITS) -> bytes:
    """The zstd data decompressed as a stream, stopping as soon as it passes the size bound."""
    chunks: list[bytes] = []
    size = 0
    try:
        decompressor = zstandard.ZstdDecompressor()
        with decompressor.stream_reader(compressed, read_across_frames=True) as reader:
            while chunk := reader.read(_CHUNK):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise InvalidArgument(
                        f"the SBOM exceeds {limits.max_bytes} bytes once decompressed"
                    )
                chunks.append(chunk)
    except zstandard.ZstdError as exc:
        raise InvalidArgument(f"the SBOM is not zstd-compressed data: {exc}") from None
    if not size:
        raise InvalidArgument("the SBOM is empty")
    return b"".join(chunks)


def parse(data: bytes, format: SbomFormat, limits: SbomLimits = LIMITS) -> list[Package]:
    """Check the document is JSON of the stated format; answer the packages it lists.

    Linear in the document's size; a document past one of `limits` is refused.
    """
    if format is SbomFormat.SPDX:
        spdx = decode(data, SpdxDocument, "SPDX", limits)
        if spdx.spdxVersion is None:
            raise InvalidArgument("the SBOM is not SPDX JSON (no spdxVersion)")
        return [_spdx(item) for item in spdx.packages or [] if item.name]
    cyclonedx = decode(data, CycloneDxDocument, "CycloneDX", limits)
    if cyclonedx.bomFormat != "CycloneDX":
        raise InvalidArgument('the SBOM is not CycloneDX JSON (bomFormat is not "CycloneDX")')
    return [_cyclonedx(item) for item in components(cyclonedx, limits.max_depth) if item.name]


def _package(name: str, version: str | None, purl: str | None, license: str) -> Package:
    package = Package(name, version or "", purl or "", license)
    if any("\x00" in text for text in (package.name, package.version, package.purl, license)):
        raise InvalidArgument("SBOM package fields may not contain NUL characters")
    return package


def _spdx(item: SpdxPackage) -> Package:
    assert item.name
    purl = next(
        (ref.referenceLocator for ref in item.externalRefs or [] if ref.referenceType == "purl"),
        "",
    )
    license = next(
        (
            text
            for text in (item.licenseConcluded, item.licenseDeclared)
            if text not in (None, "", "NOASSERTION", "NONE")
        ),
        "",
    )
    return _package(item.name, item.versionInfo, purl, license or "")


def _cyclonedx(item: CycloneDxComponent) -> Package:
    assert item.name
    licenses = []
    for entry in item.licenses or []:
        if entry.expression:
            licenses.append(entry.expression)
        elif entry.license is not None:
            licenses.append(entry.license.id or entry.license.name or "")
    return _package(
        item.name, item.version, item.purl, " AND ".join(name for name in licenses if name)
    )
