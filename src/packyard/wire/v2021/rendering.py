"""What the 2021-04-30 handlers share: the plane's prefix and an iteration as it renders,
with its revoked ancestor."""

from __future__ import annotations

from packyard.domain.registry import Version
from packyard.services import revocation
from packyard.wire.routing import (
    Call,
)
from packyard.wire.v2021 import shapes

PREFIX = "/packer/2021-04-30/organizations/{organization_id}/projects/{project_id}"


def render_iteration(call: Call, version: Version) -> shapes.Iteration:
    ancestor = None
    root = revocation.inherited_from(call.repo, call.actor, version)
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
    return shapes.iteration(version, ancestor)
