"""What every 2023-01-01 handler shares: the plane's prefix, its view, and a version as it
renders (from its read: parents status and revoked ancestor)."""

from __future__ import annotations

from packyard.domain.reads import VersionRead
from packyard.wire.routing import Call
from packyard.wire.v2023 import shapes

PREFIX = "/packer/2023-01-01/organizations/{organization_id}/projects/{project_id}"


def view(call: Call) -> shapes.View:
    return shapes.View(
        call.now,
        PREFIX.format(organization_id=call.scope.organization_id, project_id=call.scope.project_id),
    )


def render_version(call: Call, read: VersionRead) -> shapes.VersionShape:
    ancestor = None
    root = read.revoked_ancestor
    if root is not None:
        ancestor = shapes.RevokedAncestor(
            href=PREFIX.format(
                organization_id=call.scope.organization_id, project_id=call.scope.project_id
            )
            + f"/buckets/{root.bucket_name}/versions/{root.fingerprint}",
            bucket_name=root.bucket_name,
            version_name=shapes.version_name(root),
            version_id=root.id,
            version_fingerprint=root.fingerprint,
        )
    return shapes.version(read.version, view(call), ancestor)
