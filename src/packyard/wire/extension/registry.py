"""The registry's extension operations: revocation preview, artifact search, version diff."""

from __future__ import annotations

import msgspec

from packyard.domain.identity import Role
from packyard.domain.registry import Channel, Version
from packyard.domain.version_diff import BuildChange, MapChange
from packyard.errors import InvalidArgument
from packyard.ids import rfc3339
from packyard.services import reads, revocation, search
from packyard.services.revocation_plan import RevocationPlan
from packyard.wire.http import timestamp
from packyard.wire.routing import Call, Route

BASE = "/packyard/v1/organizations/{organization_id}/projects/{project_id}"
_B = BASE + "/buckets/{bucket_name}"
MAX_PREVIEW_VERSIONS = 100


class PreviewRequest(msgspec.Struct, forbid_unknown_fields=True):
    versions: list[str]
    revoke_at: str | None = None
    revoke_in: str | None = None
    skip_descendants_revocation: bool = False
    rollback_channels: bool = True
    reason: str = ""


def version_name(version: Version) -> str:
    return f"v{version.sequence or 0}"


def _ref(version: Version | None) -> dict[str, str] | None:
    if version is None:
        return None
    return {"id": version.id, "fingerprint": version.fingerprint, "name": version_name(version)}


def plan_shape(plan: RevocationPlan) -> dict[str, object]:
    return {
        "revoked_versions": [
            {
                "bucket_name": entry.version.bucket_name,
                "version_id": entry.version.id,
                "fingerprint": entry.version.fingerprint,
                "name": version_name(entry.version),
                "inherited": entry.inherited_from is not None,
                "revoke_at": rfc3339(entry.revoke_at),
            }
            for entry in plan.revoked
        ],
        "channel_moves": [
            {
                "bucket_name": move.channel.bucket_name,
                "channel_name": move.channel.name,
                "from_version": _ref(move.from_version),
                "to_version": _ref(move.to_version),
            }
            for move in plan.moves
        ],
        "out_of_date_children": [
            {
                "bucket_name": entry.child.bucket_name,
                "version_id": entry.child.id,
                "fingerprint": entry.child.fingerprint,
                "name": version_name(entry.child),
                "parent_bucket_name": entry.parent.bucket_name,
                "parent_channel_name": _channel_name(entry.parent_channel),
            }
            for entry in plan.out_of_date_children
        ],
    }


def _channel_name(channel: Channel | None) -> str:
    return channel.name if channel is not None else ""


def preview(call: Call, body: PreviewRequest) -> RevocationPlan:
    if not body.versions:
        raise InvalidArgument("name at least one version to revoke")
    if len(body.versions) > MAX_PREVIEW_VERSIONS:
        raise InvalidArgument(f"name at most {MAX_PREVIEW_VERSIONS} versions")
    return revocation.preview_revocation(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        refs=body.versions,
        revocation=revocation.Revocation(
            revoke_at=timestamp(body.revoke_at),
            revoke_in=body.revoke_in or None,
            message=body.reason,
            skip_descendants=body.skip_descendants_revocation,
            rollback_channels=body.rollback_channels,
        ),
        now=call.now,
    )


def revocation_preview(call: Call) -> object:
    return plan_shape(preview(call, call.body))


def find_artifacts(call: Call) -> object:
    query = call.request.query_params
    identifier = query.get("external_identifier", "").strip()
    if not identifier:
        raise InvalidArgument("external_identifier is required")
    found = search.find_artifacts(
        call.repo,
        call.scope,
        external_identifier=identifier,
        platform=query.get("platform") or None,
        region=query.get("region") or None,
    )
    return {
        "artifacts": [
            {
                "bucket_name": item.bucket.name,
                "version_id": item.version.id,
                "version_fingerprint": item.version.fingerprint,
                "version_name": version_name(item.version),
                "build_id": item.build.id,
                "platform": item.build.platform,
                "region": artifact.region,
                "external_identifier": artifact.external_identifier,
                "revoked": item.version.is_revoked(call.now),
            }
            for item in found
            for artifact in item.build.artifacts
            if artifact.external_identifier == identifier
            and (not query.get("region") or artifact.region == query.get("region"))
        ]
    }


def _map(change: MapChange) -> dict[str, object]:
    return {
        "added": change.added,
        "removed": change.removed,
        "changed": {key: {"from": old, "to": new} for key, (old, new) in change.changed.items()},
    }


def _build_diff(change: BuildChange) -> dict[str, object]:
    return {
        "component_type": change.component_type,
        "change": change.change,
        "from_platform": change.before.platform if change.before else "",
        "to_platform": change.after.platform if change.after else "",
        "from_status": change.before.status.value if change.before else "",
        "to_status": change.after.status.value if change.after else "",
        "labels": _map(change.labels),
        "metadata": _map(change.metadata),
        "artifacts_added": [
            {"region": region, "external_identifier": ident}
            for region, ident in change.artifacts_added
        ],
        "artifacts_removed": [
            {"region": region, "external_identifier": ident}
            for region, ident in change.artifacts_removed
        ],
        "parent_changed": change.parent_changed,
    }


def version_diff(call: Call) -> object:
    found = reads.version_diff(
        call.work,
        call.scope,
        bucket_name=call.param("bucket_name"),
        before=call.param("from"),
        after=call.param("to"),
    )
    return {
        "from": _ref(found.before),
        "to": _ref(found.after),
        "builds": [_build_diff(change) for change in found.builds],
    }


V, C = Role.VIEWER, Role.CONTRIBUTOR
ROUTES = [
    Route(
        "POST",
        _B + "/revocation-preview",
        revocation_preview,
        C,
        "packyard.PreviewRevocation",
        PreviewRequest,
        read_only=True,
    ),
    Route("GET", BASE + "/artifacts", find_artifacts, V, "packyard.FindArtifacts"),
    Route("GET", _B + "/versions/{from}/diff/{to}", version_diff, V, "packyard.DiffVersions"),
]
