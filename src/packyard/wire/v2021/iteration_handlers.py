"""The 2021-04-30 operations on iterations and their builds."""

from __future__ import annotations

from packyard.domain.registry import TemplateType
from packyard.services import builds, reads, revocation, versions, written
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.wire.http import int32, paginate, query_bool, query_int, timestamp
from packyard.wire.listing import list_ask, pagination
from packyard.wire.registry_shapes import Location
from packyard.wire.routing import (
    Call,
)
from packyard.wire.v2021 import requests as rq
from packyard.wire.v2021 import shapes
from packyard.wire.v2021.rendering import render_iteration


# iterations -------------------------------------------------------------------------------
def create_iteration(call: Call) -> object:
    body: rq.CreateIteration = call.body
    found = written.create_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        fingerprint=body.fingerprint or "",
        template_type=body.template_type or TemplateType.UNSET,
        now=call.now,
        parents_status=False,
    )
    return {"iteration": render_iteration(call, found)}


# The query parameters GetIteration reads (what its cached answer depends on).
GET_ITERATION_QUERY = ("iteration_id", "fingerprint", "incremental_version")


def get_iteration(call: Call) -> object:
    query = call.request.query_params
    found = reads.show_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        version_id=query.get("iteration_id") or None,
        fingerprint=query.get("fingerprint") or None,
        sequence=query_int(call.request, "incremental_version"),
        now=call.now,
        parents_status=False,
    )
    return {"iteration": render_iteration(call, call.answers(found))}


_ITERATION_ORDER = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "incremental_version": "sequence",
    "fingerprint": "fingerprint",
}


def list_iterations(call: Call) -> object:
    include_incomplete = query_bool(call.request, "include_incomplete")
    ask = list_ask(call.request, _ITERATION_ORDER)
    found = reads.list_versions(
        call.work,
        call.actor,
        call.scope,
        ask,
        bucket_name=call.param("bucket_slug"),
        now=call.now,
        complete_only=include_incomplete is False,
        summary=True,
    )
    return {
        "iterations": [shapes.iteration_for_list(item) for item in call.answers(found).versions],
        "pagination": pagination(ask, [item.id for item in found.versions], more=found.more),
    }


def update_iteration(call: Call) -> object:
    body: rq.UpdateIteration = call.body
    revoke_at = timestamp(body.revoke_at)
    found = written.change_version(
        call.work,
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
        parents_status=False,
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
    found = reads.version_ancestors(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        sequence=_sequence(call),
        now=call.now,
    )
    return {"ancestors": [render_iteration(call, item) for item in call.answers(found).each()]}


def iteration_children(call: Call) -> object:
    found = reads.version_children(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        sequence=_sequence(call),
        now=call.now,
    )
    return {"children": [render_iteration(call, item) for item in call.answers(found).each()]}


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
