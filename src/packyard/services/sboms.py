"""SBOMs attached to builds, and the packages they list."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import Build, require_path_name
from packyard.domain.sbom import (
    FoundPackage,
    Sbom,
    SbomUpload,
    decompress,
    default_name,
)
from packyard.errors import AlreadyExists, NotFound
from packyard.ids import new_id
from packyard.services.builds import get_build
from packyard.services.channels import list_channels
from packyard.services.common import unique
from packyard.store.work import Work


@dataclass(frozen=True)
class PackageFilter:
    name: str | None = None
    name_prefix: str | None = None
    version: str | None = None

    def keeps(self, found: FoundPackage) -> bool:
        package = found.package
        return (
            (not self.name or package.name == self.name)
            and (not self.name_prefix or package.name.startswith(self.name_prefix))
            and (not self.version or package.version == self.version)
        )


@dataclass(frozen=True)
class BuildPath:
    """The build an SBOM belongs to: by its id, in the version of its bucket and fingerprint
    when they are given (an unknown fingerprint is "not found")."""

    build_id: str
    bucket_name: str | None = None
    fingerprint: str | None = None


def _build(repo: Work, scope: Scope, build_id: str | BuildPath) -> Build:
    named = build_id if isinstance(build_id, BuildPath) else BuildPath(build_id)
    return get_build(
        repo,
        scope,
        build_id=named.build_id,
        bucket_name=named.bucket_name,
        fingerprint=named.fingerprint,
    )


def upload_sbom(
    repo: Work,
    scope: Scope,
    *,
    build_id: str | BuildPath,
    upload: SbomUpload,
    name: str | None,
    now: datetime,
) -> Sbom:
    """Store an SBOM read beforehand (sbom.read_upload), outside the write transaction."""
    build = _build(repo, scope, build_id)
    if name:
        require_path_name(name, "SBOM name")
    sbom = Sbom(new_id(), build.id, name or default_name(upload.format), upload.format)
    message = f'an SBOM named "{sbom.name}" already exists for this build'
    if any(item.name == sbom.name for item in repo.sboms_of(build.id)):
        raise AlreadyExists(message)
    unique(lambda: repo.add_sbom(sbom, upload.compressed, upload.packages, now=now), message)
    return sbom


def list_sboms(repo: Work, scope: Scope, *, build_id: str | BuildPath) -> list[Sbom]:
    return repo.sboms_of(_build(repo, scope, build_id).id)


def find_sbom(repo: Work, scope: Scope, *, build_id: str | BuildPath, name: str) -> Sbom:
    for sbom in list_sboms(repo, scope, build_id=build_id):
        if sbom.name == name:
            return sbom
    raise NotFound(f'no SBOM named "{name}" for this build')


def sbom_document(
    repo: Work, scope: Scope, *, build_id: str | BuildPath, name: str
) -> tuple[Sbom, bytes]:
    """The SBOM and its decompressed JSON."""
    found = repo.sbom_content(_build(repo, scope, build_id).id, name)
    if found is None:
        raise NotFound(f'no SBOM named "{name}" for this build')
    return found[0], decompress(found[1])


def build_packages(
    repo: Work, scope: Scope, *, build_id: str | BuildPath, only: PackageFilter
) -> list[FoundPackage]:
    build = _build(repo, scope, build_id)
    return [item for item in repo.packages_of([build.id]) if only.keeps(item)]


def bucket_packages(
    repo: Work, actor: Actor, scope: Scope, *, bucket_name: str, only: PackageFilter
) -> list[FoundPackage]:
    """The packages each channel of the bucket ships, per channel and build."""
    found: list[FoundPackage] = []
    for channel in list_channels(repo, actor, scope, bucket_name=bucket_name):
        if channel.version is None:
            continue
        for item in repo.packages_of([build.id for build in channel.version.builds]):
            if only.keeps(item):
                found.append(replace(item, channel_id=channel.id, channel_name=channel.name))
    return found
