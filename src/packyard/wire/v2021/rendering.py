"""What the 2021-04-30 handlers share: the plane's prefix and an iteration as it renders
(from its read: with its revoked ancestor)."""

from __future__ import annotations

from packyard.domain.reads import VersionRead
from packyard.wire.routing import Call
from packyard.wire.v2021 import shapes

PREFIX = "/packer/2021-04-30/organizations/{organization_id}/projects/{project_id}"


def render_iteration(call: Call, read: VersionRead) -> shapes.Iteration:
    ancestor = None
    root = read.revoked_ancestor
    if root is not None:
        ancestor = shapes.RevokedAncestor(
            href=f"{PREFIX}/images/{root.bucket_name}/iteration?iteration_id={root.id}".format(
                organization_id=call.scope.organization_id, project_id=call.scope.project_id
            ),
            bucket_slug=root.bucket_name,
            iteration_id=root.id,
            iteration_fingerprint=root.fingerprint,
            iteration_incremental_version=root.sequence or 0,
        )
    return shapes.iteration(read.version, ancestor)
