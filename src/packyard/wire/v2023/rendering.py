"""What every 2023-01-01 handler shares: the plane's prefix, its view, and a version as
it renders (annotated, with its revoked ancestor), found by the path's fingerprint."""

from __future__ import annotations

from packyard.domain.registry import Bucket, Version
from packyard.errors import Aborted, NotFound
from packyard.services import ancestry, revocation, versions
from packyard.wire.routing import Call
from packyard.wire.v2023 import shapes

PREFIX = "/packer/2023-01-01/organizations/{organization_id}/projects/{project_id}"


def view(call: Call) -> shapes.View:
    return shapes.View(
        call.now,
        PREFIX.format(organization_id=call.scope.organization_id, project_id=call.scope.project_id),
    )


def annotated(call: Call, *found: Version | None) -> None:
    """Fill the parents status of versions about to be rendered (and note when it may change)."""
    call.shows_each([*found, *ancestry.annotate(call.repo, call.actor, list(found), call.now)])


def annotate_bucket(call: Call, found: Bucket) -> None:
    call.shows_each(
        [found.latest_version, *ancestry.annotate_bucket(call.repo, call.actor, found, call.now)]
    )


def render_version(call: Call, found: Version) -> shapes.VersionShape:
    annotated(call, found)
    ancestor = None
    root = revocation.inherited_from(call.repo, call.actor, found)
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
    return shapes.version(found, view(call), ancestor)


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
