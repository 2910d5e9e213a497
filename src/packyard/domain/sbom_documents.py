"""The parts of SPDX and CycloneDX JSON that name packages, read in one linear pass.

Documents are decoded into these shapes by msgspec: fields that are not declared here are
skipped without being built, and every declared entry is counted against the document's
bounds as it is decoded, so an over-long document stops at the first entry past a bound
instead of being built whole.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import ClassVar, TypeVar

import msgspec

from packyard.errors import InvalidArgument


@dataclass(frozen=True)
class SbomLimits:
    """What one SBOM may hold. Real SBOMs of whole images stay far below these."""

    max_bytes: int = 64 * 1024 * 1024  # decompressed JSON
    max_packages: int = 100_000  # SPDX packages, CycloneDX components (nested ones too)
    max_relationships: int = 1_000_000  # SPDX relationships, CycloneDX dependencies
    max_details: int = 1_000_000  # license choices and external references, in all
    max_depth: int = 32  # CycloneDX components nested in components


_WHAT = {
    "package": "packages (components)",
    "relationship": "relationships (dependencies)",
    "detail": "licenses and external references",
}


class _Budget:
    def __init__(self, limits: SbomLimits) -> None:
        self.limits = limits
        self.left = {
            "package": limits.max_packages,
            "relationship": limits.max_relationships,
            "detail": limits.max_details,
        }

    def take(self, kind: str) -> None:
        self.left[kind] -= 1
        if self.left[kind] < 0:
            bound = {
                "package": self.limits.max_packages,
                "relationship": self.limits.max_relationships,
                "detail": self.limits.max_details,
            }[kind]
            raise InvalidArgument(f"the SBOM lists more than {bound} {_WHAT[kind]}")


_budget: ContextVar[_Budget | None] = ContextVar("sbom_budget", default=None)


class _Counted(msgspec.Struct):
    kind: ClassVar[str] = "detail"

    def __post_init__(self) -> None:
        budget = _budget.get()
        if budget is not None:
            budget.take(self.kind)


class SpdxReference(_Counted):
    referenceType: str | None = None
    referenceLocator: str | None = None


class SpdxPackage(_Counted):
    kind: ClassVar[str] = "package"
    name: str | None = None
    versionInfo: str | None = None
    licenseConcluded: str | None = None
    licenseDeclared: str | None = None
    externalRefs: list[SpdxReference] | None = None


class Relationship(_Counted):
    """Counted only: packages are listed whatever relates them."""

    kind: ClassVar[str] = "relationship"


class SpdxDocument(msgspec.Struct):
    spdxVersion: str | None = None
    packages: list[SpdxPackage] | None = None
    relationships: list[Relationship] | None = None


class CycloneDxLicense(msgspec.Struct):
    id: str | None = None
    name: str | None = None


class CycloneDxLicenseChoice(_Counted):
    expression: str | None = None
    license: CycloneDxLicense | None = None


class CycloneDxComponent(_Counted):
    kind: ClassVar[str] = "package"
    name: str | None = None
    version: str | None = None
    purl: str | None = None
    licenses: list[CycloneDxLicenseChoice] | None = None
    components: list[CycloneDxComponent] | None = None


class CycloneDxDocument(msgspec.Struct):
    bomFormat: str | None = None
    components: list[CycloneDxComponent] | None = None
    dependencies: list[Relationship] | None = None


T = TypeVar("T")


def decode(data: bytes, shape: type[T], what: str, limits: SbomLimits) -> T:
    """The document in `shape`, or InvalidArgument saying why not (a bound, bad JSON)."""
    token = _budget.set(_Budget(limits))
    try:
        return msgspec.json.decode(data, type=shape)
    except msgspec.ValidationError as exc:
        raise InvalidArgument(f"the SBOM is not {what} JSON: {exc}") from None
    except msgspec.DecodeError as exc:
        raise InvalidArgument(f"the SBOM is not JSON: {exc}") from None
    except RecursionError:
        raise InvalidArgument("the SBOM nests too deeply to read") from None
    finally:
        _budget.reset(token)


def components(document: CycloneDxDocument, max_depth: int) -> Iterator[CycloneDxComponent]:
    """Every component, nested ones after their parents' level (breadth first)."""
    pending = deque((item, 1) for item in document.components or [])
    while pending:
        item, depth = pending.popleft()
        if depth > max_depth:
            raise InvalidArgument(f"the SBOM nests components more than {max_depth} deep")
        yield item
        pending.extend((child, depth + 1) for child in item.components or [])
