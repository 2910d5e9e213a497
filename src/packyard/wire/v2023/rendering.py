"""What every 2023-01-01 handler shares: the plane's prefix, its view, a version as it renders
(from its read: parents status and revoked ancestor), and the version the path names."""

from __future__ import annotations

from packyard.domain.reads import VersionRead
from packyard.domain.registry import Version
from packyard.errors import Aborted, NotFound
from packyard.services import reads, versions
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


def render_written(call: Call, found: Version) -> shapes.VersionShape:
    """A version a write made or changed, as a read of it shows it."""
    return render_version(call, reads.shown_version(call.work, call.actor, found, now=call.now))


def version_of_path(call: Call, *, with_builds: bool = True) -> Version:
    """The version the path names by fingerprint; unknown is "not found" below GetVersion."""
    try:
        return versions.find_version(
            call.repo,
            call.scope,
            bucket_name=call.param("bucket_name"),
            fingerprint=call.param("fingerprint"),
            with_builds=with_builds,
        )
    except Aborted as exc:
        raise NotFound(exc.message) from None
