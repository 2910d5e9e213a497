"""The 2021-04-30 operations on iterations and their builds."""

from __future__ import annotations

from packyard.domain.registry import TemplateType
from packyard.services import ancestry, builds, revocation, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.wire.http import int32, paginate, query_bool, query_int, timestamp
from packyard.wire.registry_shapes import Location
from packyard.wire.routing import (
    Call,
)
from packyard.wire.v2021 import requests as rq
from packyard.wire.v2021 import shapes
from packyard.wire.v2021.rendering import render_iteration
from packyard.wire.version_pages import version_page


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


# The query parameters GetIteration reads (what its cached answer depends on).
GET_ITERATION_QUERY = ("iteration_id", "fingerprint", "incremental_version")


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
