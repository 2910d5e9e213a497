"""The 30 operations of the 2021-04-30 plane: parse, call a use case, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from packyard.domain.identity import Role
from packyard.domain.registry import Bucket, TemplateType, Version
from packyard.errors import InvalidArgument
from packyard.services import ancestry, buckets, builds, channels, registry, revocation, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.services.channels import VersionChoice
from packyard.wire.bucket_pages import PAGE_QUERY, bucket_page
from packyard.wire.http import int32, paginate, query_bool, query_int, timestamp
from packyard.wire.registry_handlers import (
    CreateRegistry,
    create_registry,
    delete_registry,
    get_registry,
    get_run_task,
    regenerate_hmac,
)
from packyard.wire.registry_shapes import Location
from packyard.wire.registry_shapes import registry as registry_shape
from packyard.wire.routing import (
    Call,
    Route,
    bucket_in_body,
    bucket_of_build,
    bucket_of_iteration,
)
from packyard.wire.v2021 import requests as rq
from packyard.wire.v2021 import shapes
from packyard.wire.version_pages import version_page

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


# buckets ----------------------------------------------------------------------------------
def create_bucket(call: Call) -> object:
    body: rq.CreateBucket = call.body
    found = buckets.create_bucket(
        call.repo,
        call.actor,
        call.scope,
        name=body.bucket_slug or "",
        description=body.description or "",
        labels=body.labels,
        now=call.now,
    )
    return {"bucket": shapes.bucket(buckets.get_bucket(call.repo, call.scope, name=found.name))}


def _annotated(call: Call, found: Bucket) -> Bucket:
    """Fill the bucket's ancestry statuses, noting when a scheduled revocation may change them."""
    call.shows_each(
        [found.latest_version, *ancestry.annotate_bucket(call.repo, call.actor, found, call.now)]
    )
    return found


def get_bucket(call: Call) -> object:
    found = buckets.get_bucket(call.repo, call.scope, name=call.param("bucket_slug"))
    return {"bucket": shapes.bucket(_annotated(call, found))}


_BUCKET_ORDER: dict[str, Callable[[Bucket], Any]] = {
    "slug": lambda b: b.name,
    "name": lambda b: b.name,
    "created_at": lambda b: b.created_at,
    "updated_at": lambda b: b.updated_at,
}


def list_buckets(call: Call) -> object:
    shown, pagination = bucket_page(call, _BUCKET_ORDER)
    return {"buckets": [shapes.bucket(item) for item in shown], "pagination": pagination}


def update_bucket(call: Call) -> object:
    body: rq.UpdateBucket = call.body
    found = buckets.update_bucket(
        call.repo,
        call.scope,
        name=call.param("bucket_slug"),
        description=body.description,
        labels=body.labels,
        now=call.now,
    )
    return {"bucket": shapes.bucket(found)}


def delete_bucket(call: Call) -> object:
    buckets.delete_bucket(call.repo, call.scope, name=call.param("bucket_slug"))
    return {}


def list_bucket_ancestry(call: Call) -> object:
    query = ancestry.AncestryQuery(
        relation=ancestry.parse_relation(call.request.query_params.get("type")),
        channel=call.request.query_params.get("channel") or None,
        version_id=call.request.query_params.get("iteration_id") or None,
        fingerprint=call.request.query_params.get("fingerprint") or None,
        sequence=query_int(call.request, "incremental_version"),
    )
    found = ancestry.bucket_ancestry(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        query=query,
        now=call.now,
    )
    page, pagination = paginate(call.request, found)
    return {
        "relations": [shapes.relation(item) for item in page],
        "total_count": len(found),
        "pagination": pagination,
    }


# iterations -------------------------------------------------------------------------------
def create_iteration(call: Call) -> object:
    body: rq.CreateIteration = call.body
    found = versions.create_version(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        fingerprint=body.fingerprint or "",
        template_type=body.template_type or TemplateType.UNSET,
        now=call.now,
    )
    return {"iteration": render_iteration(call, found)}


_Q = ("iteration_id", "fingerprint", "incremental_version")  # what GetIteration reads


def get_iteration(call: Call) -> object:
    query = call.request.query_params
    found = versions.find_version(
        call.repo,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        version_id=query.get("iteration_id") or None,
        fingerprint=query.get("fingerprint") or None,
        sequence=query_int(call.request, "incremental_version"),
    )
    return {"iteration": render_iteration(call, found)}


def list_iterations(call: Call) -> object:
    include_incomplete = query_bool(call.request, "include_incomplete")
    page, pagination = version_page(
        call,
        call.param("bucket_slug"),
        {
            "created_at": lambda v: v.created_at,
            "updated_at": lambda v: v.updated_at,
            "incremental_version": lambda v: v.sequence or 0,
            "fingerprint": lambda v: v.fingerprint,
        },
        complete_only=include_incomplete is False,
    )
    return {
        "iterations": [shapes.iteration_for_list(item) for item in page],
        "pagination": pagination,
    }


def update_iteration(call: Call) -> object:
    body: rq.UpdateIteration = call.body
    revoke_at = timestamp(body.revoke_at)
    found = revocation.change_version(
        call.repo,
        call.actor,
        call.scope,
        version_id=call.param("iteration_id"),
        change=revocation.VersionChange(
            restore=bool(body.restore),
            complete=bool(body.complete),
            revocation=revocation.Revocation(
                revoke_at=revoke_at,
                revoke_in=body.revoke_in,
                message=body.revocation_message or "",
                skip_descendants=bool(body.skip_descendants_revocation),
                rollback_channels=bool(body.rollback_channels),
            )
            if revoke_at is not None or body.revoke_in
            else None,
        ),
        now=call.now,
    )
    return {"iteration": render_iteration(call, found)}


def delete_iteration(call: Call) -> object:
    versions.delete_version(
        call.repo,
        call.actor,
        call.scope,
        version_id=call.param("iteration_id"),
        rollback_channels=bool(query_bool(call.request, "rollback_channels")),
        now=call.now,
    )
    return {}


def iteration_ancestors(call: Call) -> object:
    found = ancestry.version_ancestors(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        sequence=_sequence(call),
        now=call.now,
    )
    return {"ancestors": [render_iteration(call, item) for item in found]}


def iteration_children(call: Call) -> object:
    found = ancestry.version_children(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        sequence=_sequence(call),
        now=call.now,
    )
    return {"children": [render_iteration(call, item) for item in found]}


def _sequence(call: Call) -> int:
    return int32(call.param("incremental_version"), "incremental_version")


# builds -----------------------------------------------------------------------------------
def _changes(fields: rq.BuildFields | None) -> BuildChanges:
    if fields is None:
        return BuildChanges()
    return BuildChanges(
        status=fields.status,
        platform=fields.cloud_provider,
        packer_run_uuid=fields.packer_run_uuid,
        labels=fields.labels,
        source_external_identifier=fields.source_image_id,
        parent_version_id=fields.source_iteration_id,
        parent_channel_id=fields.source_channel_id,
        artifacts=None
        if fields.images is None
        else [ArtifactInput(item.image_id or "", item.region or "") for item in fields.images],
    )


def create_build(call: Call) -> object:
    body: rq.CreateBuild = call.body
    fields = body.build or rq.BuildFields()
    found = builds.create_build(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        version_id=call.param("iteration_id"),
        component_type=fields.component_type or "",
        changes=_changes(fields),
        now=call.now,
    )
    return {"build": shapes.build(found)}


def get_build(call: Call) -> object:
    return {
        "build": shapes.build(
            builds.get_build(call.repo, call.scope, build_id=call.param("build_id"))
        )
    }


def list_builds(call: Call) -> object:
    found = builds.list_builds(
        call.repo,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        version_id=call.param("iteration_id"),
    )
    page, pagination = paginate(call.request, found)
    return {
        "location": Location(call.scope.organization_id, call.scope.project_id),
        "builds": [shapes.build(item) for item in page],
        "pagination": pagination,
    }


def update_build(call: Call) -> object:
    body: rq.UpdateBuild = call.body
    found = builds.update_build(
        call.repo,
        call.actor,
        call.scope,
        build_id=call.param("build_id"),
        changes=_changes(body.updates),
        now=call.now,
    )
    return {"build": shapes.build(found)}


def delete_build(call: Call) -> object:
    builds.delete_build(call.repo, call.scope, build_id=call.param("build_id"))
    return {}


# channels ---------------------------------------------------------------------------------
def _restricted(restriction: str | None) -> bool | None:
    if restriction in (None, "", "RESTRICTION_UNSET"):
        return None
    if restriction == "RESTRICTED":
        return True
    if restriction == "UNRESTRICTED":
        return False
    raise InvalidArgument("restriction must be RESTRICTED, UNRESTRICTED or RESTRICTION_UNSET")


def _choice(body: rq.CreateChannel) -> VersionChoice:
    return VersionChoice(
        version_id=body.iteration_id or None,
        fingerprint=body.fingerprint or None,
        sequence=body.incremental_version or None,
    )


def create_channel(call: Call) -> object:
    body: rq.CreateChannel = call.body
    found = channels.create_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=body.slug or "",
        choice=_choice(body),
        restricted=bool(_restricted(body.restriction)),
        now=call.now,
    )
    return {"channel": shapes.channel(found)}


def get_channel(call: Call) -> object:
    found = channels.get_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
    )
    return {"channel": shapes.channel(found)}


def list_channels(call: Call) -> object:
    found = channels.list_channels(
        call.repo, call.actor, call.scope, bucket_name=call.param("bucket_slug")
    )
    return {"channels": [shapes.channel(item) for item in found]}


_ASSIGNMENT_PATHS = {"iterationid", "fingerprint", "incrementalversion"}


def update_channel(call: Call) -> object:
    body: rq.UpdateChannel = call.body
    paths = {
        path.strip().replace("_", "").lower()
        for path in (body.mask or "").split(",")
        if path.strip()
    }
    choice = _choice(body)
    restricted = _restricted(body.restriction)
    if paths:
        assign: VersionChoice | None = choice if paths & _ASSIGNMENT_PATHS else None
        restricted = restricted if "restriction" in paths else None
    else:
        # Without a mask every attribute is updated: no iteration given unassigns, unless
        # the request only changes the restriction.
        assign = None if choice.empty and restricted is not None else choice
    found = channels.update_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
        choice=assign,
        restricted=restricted,
        now=call.now,
    )
    return {"channel": shapes.channel(found)}


def delete_channel(call: Call) -> object:
    channels.delete_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
    )
    return {}


def list_channel_history(call: Call) -> object:
    found = channels.channel_history(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
    )
    page, pagination = paginate(call.request, found)
    return {
        "history": [shapes.assignment(item, call.now) for item in page],
        "count": len(found),
        "pagination": pagination,
    }


def update_registry(call: Call) -> object:
    body: rq.UpdateRegistry = call.body
    found = registry.update_registry(
        call.repo, call.scope, activate=body.activate, feature_tier=body.feature_tier, now=call.now
    )
    return {"registry": registry_shape(found)}


V, C, A = Role.VIEWER, Role.CONTRIBUTOR, Role.ADMIN
_B = PREFIX + "/images/{bucket_slug}"
_BUILD = PREFIX + "/builds/{build_id}"
_ITERATION = PREFIX + "/iterations/{iteration_id}"

ROUTES = [
    Route("GET", _BUILD, get_build, V, "GetBuild", target=bucket_of_build),
    Route("DELETE", _BUILD, delete_build, C, "DeleteBuild", target=bucket_of_build),
    Route(
        "PATCH",
        _BUILD,
        update_build,
        C,
        "UpdateBuild",
        rq.UpdateBuild,
        target=bucket_of_build,
    ),
    Route(
        "GET",
        PREFIX + "/images",
        list_buckets,
        V,
        "ListBuckets",
        cached=True,
        cache_query=PAGE_QUERY,
    ),
    Route(
        "PUT",
        PREFIX + "/images",
        create_bucket,
        C,
        "CreateBucket",
        rq.CreateBucket,
        target=bucket_in_body("bucket_slug"),
    ),
    Route("GET", _B, get_bucket, V, "GetBucket", cached=True),
    Route("DELETE", _B, delete_bucket, A, "DeleteBucket"),
    Route("PATCH", _B, update_bucket, C, "UpdateBucket", rq.UpdateBucket),
    Route("GET", _B + "/ancestry", list_bucket_ancestry, V, "ListBucketAncestry"),
    Route("GET", _B + "/channels", list_channels, V, "ListChannels"),
    Route("POST", _B + "/channels", create_channel, C, "CreateChannel", rq.CreateChannel),
    Route("GET", _B + "/channels/{slug}", get_channel, V, "GetChannel", cached=True),
    Route("DELETE", _B + "/channels/{slug}", delete_channel, C, "DeleteChannel"),
    Route("PATCH", _B + "/channels/{slug}", update_channel, C, "UpdateChannel", rq.UpdateChannel),
    Route("GET", _B + "/channels/{slug}/history", list_channel_history, V, "ListChannelHistory"),
    Route("GET", _B + "/iteration", get_iteration, V, "GetIteration", cached=True, cache_query=_Q),
    Route("GET", _B + "/iterations", list_iterations, V, "ListIterations"),
    Route("POST", _B + "/iterations", create_iteration, C, "CreateIteration", rq.CreateIteration),
    Route(
        "GET",
        _B + "/iterations/{incremental_version}/ancestors",
        iteration_ancestors,
        V,
        "GetAncestorImages",
    ),
    Route(
        "GET",
        _B + "/iterations/{incremental_version}/children",
        iteration_children,
        V,
        "GetChildImages",
    ),
    Route(
        "POST", _B + "/iterations/{iteration_id}", create_build, C, "CreateBuild", rq.CreateBuild
    ),
    Route("GET", _B + "/iterations/{iteration_id}/builds", list_builds, V, "ListBuilds"),
    Route("DELETE", _ITERATION, delete_iteration, C, "DeleteIteration", target=bucket_of_iteration),
    Route(
        "PATCH",
        _ITERATION,
        update_iteration,
        C,
        "UpdateIteration",
        rq.UpdateIteration,
        target=bucket_of_iteration,
    ),
    Route("GET", PREFIX + "/registry", get_registry, V, "GetRegistry"),
    Route("DELETE", PREFIX + "/registry", delete_registry, A, "DeleteRegistry"),
    Route("PUT", PREFIX + "/registry", create_registry, A, "CreateRegistry", CreateRegistry),
    Route("PATCH", PREFIX + "/registry", update_registry, A, "UpdateRegistry", rq.UpdateRegistry),
    Route("PATCH", PREFIX + "/runtasks/hmac", regenerate_hmac, A, "RegenerateTFCRunTaskHmacKey"),
    Route("GET", PREFIX + "/runtasks/{task_type}", get_run_task, A, "GetRegistryTFCRunTaskAPI"),
]
