"""Finding where an artifact (a cloud image id) came from."""

from __future__ import annotations

from dataclasses import dataclass

from packyard.domain.identity import Scope
from packyard.domain.registry import Bucket, Build, Version
from packyard.services.common import active_registry
from packyard.store.work import Work


@dataclass(frozen=True)
class FoundArtifact:
    bucket: Bucket
    version: Version
    build: Build


def find_artifacts(
    repo: Work,
    scope: Scope,
    *,
    external_identifier: str,
    platform: str | None = None,
    region: str | None = None,
) -> list[FoundArtifact]:
    active_registry(repo, scope)
    found: list[FoundArtifact] = []
    for bucket, version, build in repo.artifact_sources(scope.project_id, external_identifier):
        if platform and build.platform != platform:
            continue
        if region and not any(
            item.region == region and item.external_identifier == external_identifier
            for item in build.artifacts
        ):
            continue
        found.append(FoundArtifact(bucket, version, build))
    return found
