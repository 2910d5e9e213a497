"""The 2023-01-01 operations on versions and their builds."""

from __future__ import annotations

from packyard.domain.registry import TemplateType
from packyard.services import builds, reads, revocation, versions, written
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.wire.http import paginate, query_bool, timestamp
from packyard.wire.listing import list_ask, pagination
from packyard.wire.registry_shapes import Location
from packyard.wire.routing import Call
from packyard.wire.v2023 import requests as rq
from packyard.wire.v2023 import shapes
from packyard.wire.v2023.rendering import render_version


def create_version(call: Call) -> object:
    body: rq.CreateVersion = call.body
    found = written.create_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=body.fingerprint or "",
        template_type=body.template_type or TemplateType.UNSET,
        now=call.now,
    )
    return {"version": render_version(call, found)}


def get_version(call: Call) -> object:
    found = reads.show_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
        now=call.now,
    )
    return {"version": render_version(call, call.answers(found))}


_VERSION_ORDER = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "name": "sequence",
    "fingerprint": "fingerprint",
}


def list_versions(call: Call) -> object:
    ask = list_ask(call.request, _VERSION_ORDER)
    found = reads.list_versions(
        call.work, call.actor, call.scope, ask, bucket_name=call.param("bucket_name"), now=call.now
    )
    call.answers(found)
    return {
        "versions": [render_version(call, item) for item in found.each()],
        "pagination": pagination(ask, [item.id for item in found.versions], more=found.more),
    }


def update_version(call: Call) -> object:
    body: rq.UpdateVersion = call.body
    revoke_at = timestamp(body.revoke_at)
    found = written.change_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
        change=revocation.VersionChange(
            restore=bool(body.restore),
            complete=bool(body.complete),
            revocation=revocation.Revocation(
                revoke_at=revoke_at,
                revoke_in=body.revoke_in,
                message=body.revocation_message or "",
                skip_descendants=bool(body.skip_descendants_revocation),
                rollback_channels=not body.disable_rollback_channels,
            )
            if revoke_at is not None or body.revoke_in
            else None,
        ),
        now=call.now,
    )
    return {"version": render_version(call, found)}


def delete_version(call: Call) -> object:
    rollback_channels = bool(query_bool(call.request, "rollback_channels"))
    versions.delete_version(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
        rollback_channels=rollback_channels,
        now=call.now,
    )
    return {}


# builds -----------------------------------------------------------------------------------
def _changes(fields: rq.BuildFields) -> BuildChanges:
    return BuildChanges(
        status=fields.status.domain if fields.status else None,
        platform=fields.platform,
        packer_run_uuid=fields.packer_run_uuid,
        labels=fields.labels,
        metadata=None
        if fields.metadata is None
        else {key: value for key, value in fields.metadata.items() if value is not None},
        source_external_identifier=fields.source_external_identifier,
        parent_version_id=fields.parent_version_id,
        parent_channel_id=fields.parent_channel_id,
        artifacts=None
        if fields.artifacts is None
        else [
            ArtifactInput(item.external_identifier or "", item.region or "")
            for item in fields.artifacts
        ],
    )


def create_build(call: Call) -> object:
    body: rq.BuildFields = call.body
    found = builds.create_build(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
        component_type=body.component_type or "",
        changes=_changes(body),
        now=call.now,
    )
    return {"build": shapes.build(found)}


def list_builds(call: Call) -> object:
    found = builds.list_builds(
        call.repo,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
    )
    page, pages = paginate(call.request, found)
    return {
        "location": Location(call.scope.organization_id, call.scope.project_id),
        "builds": [shapes.build(item) for item in page],
        "pagination": pages,
    }


def get_build(call: Call) -> object:
    found = builds.get_build(
        call.repo,
        call.scope,
        build_id=call.param("build_id"),
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
    )
    return {"build": shapes.build(found)}


def update_build(call: Call) -> object:
    body: rq.BuildFields = call.body
    found = builds.update_build(
        call.repo,
        call.actor,
        call.scope,
        build_id=call.param("build_id"),
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
        changes=_changes(body),
        now=call.now,
    )
    return {"build": shapes.build(found)}


def delete_build(call: Call) -> object:
    builds.delete_build(
        call.work,
        call.scope,
        build_id=call.param("build_id"),
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
    )
    return {}
