"""What changed between two versions of a bucket: build by build, as a person compares them."""

from __future__ import annotations

from dataclasses import dataclass, field

from packyard.domain.registry import Build, Version


@dataclass(frozen=True)
class MapChange:
    """Keys of a string map (labels) or of metadata that were added, removed or changed."""

    added: dict[str, object] = field(default_factory=dict)
    removed: dict[str, object] = field(default_factory=dict)
    changed: dict[str, tuple[object, object]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


@dataclass(frozen=True)
class BuildChange:
    component_type: str
    change: str  # added, removed, changed, unchanged
    before: Build | None
    after: Build | None
    labels: MapChange
    metadata: MapChange
    artifacts_added: list[tuple[str, str]]  # (region, external identifier)
    artifacts_removed: list[tuple[str, str]]
    parent_changed: bool


def map_change(before: dict[str, object], after: dict[str, object]) -> MapChange:
    return MapChange(
        added={key: after[key] for key in sorted(after.keys() - before.keys())},
        removed={key: before[key] for key in sorted(before.keys() - after.keys())},
        changed={
            key: (before[key], after[key])
            for key in sorted(before.keys() & after.keys())
            if before[key] != after[key]
        },
    )


def _artifacts(build: Build | None) -> set[tuple[str, str]]:
    if build is None:
        return set()
    return {(item.region, item.external_identifier) for item in build.artifacts}


def _build_change(name: str, before: Build | None, after: Build | None) -> BuildChange:
    labels = map_change(dict(before.labels) if before else {}, dict(after.labels) if after else {})
    metadata = map_change(before.metadata if before else {}, after.metadata if after else {})
    old, new = _artifacts(before), _artifacts(after)
    parent_changed = (before.parent_version_id if before else None) != (
        after.parent_version_id if after else None
    )
    if before is None:
        change = "added"
    elif after is None:
        change = "removed"
    elif (
        labels.empty
        and metadata.empty
        and old == new
        and not parent_changed
        and before.platform == after.platform
        and before.status == after.status
    ):
        change = "unchanged"
    else:
        change = "changed"
    return BuildChange(
        component_type=name,
        change=change,
        before=before,
        after=after,
        labels=labels,
        metadata=metadata,
        artifacts_added=sorted(new - old),
        artifacts_removed=sorted(old - new),
        parent_changed=parent_changed and before is not None and after is not None,
    )


def diff_versions(before: Version, after: Version) -> list[BuildChange]:
    """One entry per build component of either version, in component order."""
    old = {build.component_type: build for build in before.builds}
    new = {build.component_type: build for build in after.builds}
    return [
        _build_change(name, old.get(name), new.get(name))
        for name in sorted(old.keys() | new.keys())
    ]
