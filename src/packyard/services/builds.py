"""Builds and their artifacts (the 2021 API's images). Completion is decided here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from packyard.domain.identity import Actor, Scope
from packyard.domain.registry import (
    Artifact,
    Build,
    BuildStatus,
    Version,
    require_name,
    require_shallow,
)
from packyard.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from packyard.ids import new_id
from packyard.services.common import (
    active_registry,
    find_bucket,
    unique,
    version_in_bucket,
    version_in_project,
)
from packyard.services.reach import Reader
from packyard.services.versions import complete_if_done, version_named
from packyard.store.work import Work


@dataclass(frozen=True)
class ArtifactInput:
    external_identifier: str
    region: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildChanges:
    """What a create or update request sets; None leaves a field as it is."""

    status: BuildStatus | None = None
    platform: str | None = None
    packer_run_uuid: str | None = None
    labels: dict[str, str] | None = None
    metadata: dict[str, object] | None = None
    source_external_identifier: str | None = None
    parent_version_id: str | None = None
    parent_channel_id: str | None = None
    artifacts: list[ArtifactInput] | None = None


def _metadata(metadata: dict[str, object] | None) -> dict[str, object] | None:
    if metadata is not None:
        require_shallow(metadata, "build metadata")
    return None if metadata is None else dict(metadata)


def _artifacts(found: list[ArtifactInput], *, now: datetime) -> list[Artifact]:
    return [
        Artifact(
            id=new_id(),
            external_identifier=require_name(
                item.external_identifier, "artifact identifier", limit=512
            ),
            region=item.region,
            created_at=now,
            labels=dict(item.labels),
        )
        for item in found
    ]


def _done_needs_artifact(status: BuildStatus, artifacts: Sequence[object] | None) -> None:
    """A build is DONE only with at least one artifact."""
    if status is BuildStatus.DONE and not artifacts:
        raise InvalidArgument("a build can be DONE only with at least one artifact")


def _check_parents(repo: Work, actor: Actor, changes: BuildChanges) -> None:
    """A parent must be one the caller may read; any other answers as one that does not exist
    (the same words), so a build cannot probe or link another tenant's content."""
    reader = Reader(repo, actor)
    if changes.parent_version_id:
        version = repo.version_by_id(changes.parent_version_id, with_builds=False)
        if version is None or not reader.may_read_version(version):
            raise InvalidArgument(f'parent version "{changes.parent_version_id}" does not exist')
    if changes.parent_channel_id:
        channel = repo.channel_by_id(changes.parent_channel_id)
        if channel is None or not reader.may_read_channel(channel):
            raise InvalidArgument(f'parent channel "{changes.parent_channel_id}" does not exist')


def create_build(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    bucket_name: str,
    version_id: str | None = None,
    fingerprint: str | None = None,
    component_type: str,
    changes: BuildChanges,
    now: datetime,
) -> Build:
    found = repo.version_in_named_bucket(
        scope.project_id, bucket_name, version_id=version_id, fingerprint=fingerprint or ""
    )
    if found is None:  # the look-ups one by one, for the error each answers
        bucket = find_bucket(repo, scope, bucket_name)
        require_name(component_type, "component_type")
        if version_id:
            found = version_in_bucket(repo, bucket, version_id, with_builds=False)
        else:
            found = version_named(repo, bucket, fingerprint or "", with_builds=False)
    require_name(component_type, "component_type")
    version = found
    if version.complete:
        raise FailedPrecondition("the version is complete; change the fingerprint to build again")
    message = f'a build for "{component_type}" already exists in this version'
    # The store's unique constraint on (version, component type) decides duplicates.
    _check_parents(repo, actor, changes)
    status = changes.status or BuildStatus.UNSET
    _done_needs_artifact(status, changes.artifacts)
    build = Build(
        id=new_id(),
        version_id=version.id,
        component_type=component_type,
        status=status,
        created_at=now,
        updated_at=now,
        packer_run_uuid=changes.packer_run_uuid or "",
        platform=changes.platform or "",
        labels=dict(changes.labels or {}),
        metadata=_metadata(changes.metadata) or {},
        source_external_identifier=changes.source_external_identifier or "",
        parent_version_id=changes.parent_version_id or None,
        parent_channel_id=changes.parent_channel_id or None,
        artifacts=_artifacts(changes.artifacts or [], now=now),
    )
    unique(lambda: repo.add_build(build), message)
    if status is BuildStatus.DONE:
        complete_if_done(repo, actor, version, now=now)
    return build


def _build_in_project(
    repo: Work, scope: Scope, build_id: str, version_id: str | None = None
) -> Build:
    """The build, if it is in the project (and, when given, in that version)."""
    active_registry(repo, scope)
    build = repo.build(build_id, project_id=scope.project_id)
    if build is None or version_id not in (None, build.version_id):
        raise NotFound(f'build "{build_id}" not found')
    return build


def get_build(
    repo: Work,
    scope: Scope,
    *,
    build_id: str,
    version_id: str | None = None,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
) -> Build:
    """The build, in the version given by its id, or by its bucket and fingerprint (unknown
    is "not found"), if either is given."""
    if bucket_name is not None and fingerprint is not None:
        bucket = find_bucket(repo, scope, bucket_name)
        version_id = version_named(repo, bucket, fingerprint, with_builds=False).id
    return _build_in_project(repo, scope, build_id, version_id)


def list_builds(
    repo: Work,
    scope: Scope,
    *,
    bucket_name: str,
    version_id: str | None = None,
    fingerprint: str | None = None,
) -> list[Build]:
    """The builds of the bucket's version given by its id or its fingerprint."""
    bucket = find_bucket(repo, scope, bucket_name)
    if fingerprint is not None:
        return version_named(repo, bucket, fingerprint).builds
    return version_in_bucket(repo, bucket, version_id or "").builds


def _set_once(name: str, current: str | None, wanted: str | None) -> str | None:
    if not wanted or wanted == current:
        return None
    if current:
        raise AlreadyExists(f"{name} is already set to {current} and cannot change")
    return wanted


def _build_to_change(
    repo: Work,
    scope: Scope,
    build_id: str,
    *,
    version_id: str | None,
    bucket_name: str | None,
    fingerprint: str | None,
) -> tuple[Build, Version]:
    """The build, if it is in the project (and in the version the request names, by id or
    by its bucket and fingerprint), with its version and the version's other builds."""
    found = repo.build_in_version(build_id, scope.project_id)
    if found is not None:
        build, version = found
        if (
            version_id in (None, version.id)
            and bucket_name in (None, version.bucket_name)
            and fingerprint in (None, version.fingerprint)
        ):
            return found
    # Not there: the same look-ups as a read, one by one, for the error each answers.
    build = get_build(
        repo,
        scope,
        build_id=build_id,
        version_id=version_id,
        bucket_name=bucket_name,
        fingerprint=fingerprint,
    )
    version = version_in_project(repo, scope, build.version_id)
    return next(item for item in version.builds if item.id == build.id), version


def update_build(
    repo: Work,
    actor: Actor,
    scope: Scope,
    *,
    build_id: str,
    version_id: str | None = None,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
    changes: BuildChanges,
    now: datetime,
) -> Build:
    """Change a build; the one that makes every build of its version DONE completes it."""
    build, version = _build_to_change(
        repo,
        scope,
        build_id,
        version_id=version_id,
        bucket_name=bucket_name,
        fingerprint=fingerprint,
    )
    if build.status is BuildStatus.DONE and changes.status not in (None, BuildStatus.DONE):
        raise FailedPrecondition("a DONE build cannot change its status")
    _check_parents(repo, actor, changes)
    values: dict[str, object] = {"updated_at": now}
    for name in ("parent_version_id", "parent_channel_id"):
        wanted = _set_once(name, getattr(build, name), getattr(changes, name))
        if wanted:
            values[name] = wanted
    for name in ("platform", "packer_run_uuid", "source_external_identifier"):
        if getattr(changes, name):
            values[name] = getattr(changes, name)
    if changes.labels is not None:
        values["labels"] = dict(changes.labels)
    if changes.metadata is not None:
        values["metadata"] = _metadata(changes.metadata)
    if changes.artifacts is not None:
        previous, build.artifacts = build.artifacts, _artifacts(changes.artifacts, now=now)
        repo.replace_artifacts(build.id, build.artifacts, previous=previous)
    if changes.status is not None:
        _done_needs_artifact(changes.status, build.artifacts)
        values["status"] = changes.status
    repo.change_build(build.id, version=version, **values)
    for name, value in values.items():
        setattr(build, name, value)
    if build.status is BuildStatus.DONE:
        statuses = [item.status for item in version.builds]
        complete_if_done(repo, actor, version, now=now, statuses=statuses)
    return build


def delete_build(
    repo: Work,
    scope: Scope,
    *,
    build_id: str,
    bucket_name: str | None = None,
    fingerprint: str | None = None,
) -> None:
    """Delete the build, named by its id (in the version of its bucket and fingerprint, when
    they are given: unknown is "not found")."""
    found = get_build(
        repo, scope, build_id=build_id, bucket_name=bucket_name, fingerprint=fingerprint
    )
    repo.remove_build(found)
