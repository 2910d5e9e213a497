"""The 2023-01-01 operations served so far: parse, call a use case, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from packyard.domain.identity import Role
from packyard.domain.registry import Bucket, FeatureTier, TemplateType, Version
from packyard.errors import Aborted, InvalidArgument, NotFound
from packyard.services import ancestry, buckets, builds, channels, registry, revocation, versions
from packyard.services.builds import ArtifactInput, BuildChanges
from packyard.services.channels import VersionChoice
from packyard.wire.bucket_pages import PAGE_QUERY, bucket_page
from packyard.wire.http import paginate, query_bool, timestamp
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
from packyard.wire.routing import Call, Route, bucket_in_body
from packyard.wire.v2023 import requests as rq
from packyard.wire.v2023 import shapes
from packyard.wire.version_pages import version_page

PREFIX = "/packer/2023-01-01/organizations/{organization_id}/projects/{project_id}"


def view(call: Call) -> shapes.View:
    return shapes.View(
        call.now,
        PREFIX.format(organization_id=call.scope.organization_id, project_id=call.scope.project_id),
    )


def annotated(call: Call, *found: Version | None) -> None:
    """Fill the parents status of versions about to be rendered (and note when it may change)."""
    call.shows_each([*found, *ancestry.annotate(call.repo, call.actor, list(found), call.now)])


def _annotate_bucket(call: Call, found: Bucket) -> None:
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


def _version(call: Call, *, with_builds: bool = True) -> Version:
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


# buckets ----------------------------------------------------------------------------------
def create_bucket(call: Call) -> object:
    body: rq.CreateBucket = call.body
    found = buckets.create_bucket(
        call.repo,
        call.actor,
        call.scope,
        name=body.name or "",
        description=body.description or "",
        labels=body.labels,
        now=call.now,
    )
    created = buckets.get_bucket(call.repo, call.scope, name=found.name)
    return {"bucket": shapes.bucket(created, view(call))}


def get_bucket(call: Call) -> object:
    found = buckets.get_bucket(call.repo, call.scope, name=call.param("bucket_name"))
    _annotate_bucket(call, found)
    return {"bucket": shapes.bucket(found, view(call))}


_BUCKET_ORDER: dict[str, Callable[[Bucket], Any]] = {
    "name": lambda b: b.name,
    "created_at": lambda b: b.created_at,
    "updated_at": lambda b: b.updated_at,
}


def list_buckets(call: Call) -> object:
    shown, pagination = bucket_page(call, _BUCKET_ORDER)
    rendered = [shapes.bucket(item, view(call)) for item in shown]
    return {"buckets": rendered, "pagination": pagination}


def update_bucket(call: Call) -> object:
    body: rq.UpdateBucket = call.body
    found = buckets.update_bucket(
        call.repo,
        call.scope,
        name=call.param("bucket_name"),
        description=body.description,
        labels=body.labels,
        now=call.now,
    )
    return {"bucket": shapes.bucket(found, view(call))}


def delete_bucket(call: Call) -> object:
    buckets.delete_bucket(call.repo, call.scope, name=call.param("bucket_name"))
    return {}


_RELATIONS = {
    "ANCESTRY_TYPE_PARENTS": ancestry.Relation.PARENTS,
    "ANCESTRY_TYPE_CHILDREN": ancestry.Relation.CHILDREN,
}


def list_bucket_ancestry(call: Call) -> object:
    kind = call.request.query_params.get("type") or "ANCESTRY_TYPE_UNSET"
    if kind not in (*_RELATIONS, "ANCESTRY_TYPE_UNSET"):
        raise InvalidArgument("type must be ANCESTRY_TYPE_PARENTS or ANCESTRY_TYPE_CHILDREN")
    query = ancestry.AncestryQuery(
        relation=_RELATIONS.get(kind),
        channel=call.request.query_params.get("channel_name") or None,
        fingerprint=call.request.query_params.get("version_fingerprint") or None,
    )
    found = ancestry.bucket_ancestry(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        query=query,
        now=call.now,
    )
    page, pagination = paginate(call.request, found)
    return {
        "relations": [shapes.relation(item) for item in page],
        "total_count": len(found),
        "pagination": pagination,
    }


# versions ---------------------------------------------------------------------------------
def create_version(call: Call) -> object:
    body: rq.CreateVersion = call.body
    found = versions.create_version(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=body.fingerprint or "",
        template_type=body.template_type or TemplateType.UNSET,
        now=call.now,
    )
    return {"version": render_version(call, found)}


def get_version(call: Call) -> object:
    found = versions.find_version(
        call.repo,
        call.scope,
        bucket_name=call.param("bucket_name"),
        fingerprint=call.param("fingerprint"),
    )
    return {"version": render_version(call, found)}


def list_versions(call: Call) -> object:
    page, pagination = version_page(
        call,
        call.param("bucket_name"),
        {
            "created_at": lambda v: v.created_at,
            "updated_at": lambda v: v.updated_at,
            "name": lambda v: v.sequence or 0,
            "fingerprint": lambda v: v.fingerprint,
        },
    )
    return {"versions": [render_version(call, item) for item in page], "pagination": pagination}


def update_version(call: Call) -> object:
    body: rq.UpdateVersion = call.body
    revoke_at = timestamp(body.revoke_at)
    found = revocation.change_version(
        call.repo,
        call.actor,
        call.scope,
        version_id=_version(call, with_builds=False).id,
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
    versions.delete_version(
        call.repo,
        call.actor,
        call.scope,
        version_id=_version(call, with_builds=False).id,
        rollback_channels=bool(query_bool(call.request, "rollback_channels")),
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


def build_of_version(call: Call) -> str:
    """The build the path names, checked to belong to the version it names."""
    return builds.get_build(
        call.repo,
        call.scope,
        build_id=call.param("build_id"),
        version_id=_version(call, with_builds=False).id,
    ).id


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
    page, pagination = paginate(call.request, _version(call).builds)
    return {
        "location": Location(call.scope.organization_id, call.scope.project_id),
        "builds": [shapes.build(item) for item in page],
        "pagination": pagination,
    }


def get_build(call: Call) -> object:
    found = builds.get_build(
        call.repo,
        call.scope,
        build_id=call.param("build_id"),
        version_id=_version(call, with_builds=False).id,
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
        call.repo,
        call.scope,
        build_id=call.param("build_id"),
        version_id=_version(call, with_builds=False).id,
    )
    return {}


# channels ---------------------------------------------------------------------------------
def create_channel(call: Call) -> object:
    body: rq.CreateChannel = call.body
    found = channels.create_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=body.name or "",
        choice=VersionChoice(fingerprint=body.version_fingerprint or None),
        restricted=bool(body.restricted),
        now=call.now,
    )
    return {"channel": shapes.channel(found, view(call))}


def get_channel(call: Call) -> object:
    found = channels.get_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
    )
    annotated(call, found.version)
    return {"channel": shapes.channel(found, view(call))}


def list_channels(call: Call) -> object:
    found = channels.list_channels(
        call.repo, call.actor, call.scope, bucket_name=call.param("bucket_name")
    )
    annotated(call, *(item.version for item in found))
    return {"channels": [shapes.channel(item, view(call)) for item in found]}


def update_channel(call: Call) -> object:
    body: rq.UpdateChannel = call.body
    paths = {path.strip() for path in (body.update_mask or "").split(",") if path.strip()}
    if not paths:
        raise InvalidArgument("update_mask is required, e.g. versionFingerprint or restricted")
    unknown = paths - {"versionFingerprint", "restricted"}
    if unknown:
        raise InvalidArgument(f"unknown update_mask paths: {', '.join(sorted(unknown))}")
    choice = None
    if "versionFingerprint" in paths:
        choice = VersionChoice(fingerprint=body.version_fingerprint or None)
    found = channels.update_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
        choice=choice,
        restricted=bool(body.restricted) if "restricted" in paths else None,
        now=call.now,
    )
    return {"channel": shapes.channel(found, view(call))}


def delete_channel(call: Call) -> object:
    channels.delete_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
    )
    return {}


def assign_channel(call: Call) -> object:
    body: rq.AssignChannel = call.body
    source, target = channels.copy_assignment(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        source=body.source_channel or "",
        target=body.target_channel or "",
        now=call.now,
    )
    assert target.version is not None
    return {
        "fingerprint": target.version.fingerprint,
        "version": render_version(call, target.version),
        "source_channel": shapes.channel(source, view(call)),
        "target_channel": shapes.channel(target, view(call)),
    }


def channel_history(call: Call) -> object:
    found = channels.channel_history(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
    )
    page, pagination = paginate(call.request, found)
    return {
        "history": [shapes.assignment(item, view(call)) for item in page],
        "count": len(found),
        "pagination": pagination,
    }


# registry and run tasks -------------------------------------------------------------------
_REGISTRY_PATHS = {
    "activated": "activated",
    "config.activated": "activated",
    "featureTier": "feature_tier",
    "feature_tier": "feature_tier",
    "config.featureTier": "feature_tier",
    "config.feature_tier": "feature_tier",
}


def update_registry(call: Call) -> object:
    body: rq.UpdateRegistry = call.body
    paths = set()
    for path in (body.update_mask or "").split(","):
        if path.strip():
            name = _REGISTRY_PATHS.get(path.strip())
            if name is None:
                raise InvalidArgument(f'unknown update_mask path "{path.strip()}"')
            paths.add(name)
    if paths:
        # A field the mask names but the body leaves out is its zero value: clients that
        # omit false booleans deactivate this way.
        activate = bool(body.activated) if "activated" in paths else None
        tier = (body.feature_tier or FeatureTier.UNSET) if "feature_tier" in paths else None
    else:
        activate, tier = body.activated, body.feature_tier
    found = registry.update_registry(
        call.repo, call.scope, activate=activate, feature_tier=tier, now=call.now
    )
    return {"registry": registry_shape(found)}


def get_run_task_config(call: Call) -> object:
    found = registry.get_registry(call.repo, call.scope)
    return {"on_untracked_image": found.run_task_untracked.value}


def update_run_task_config(call: Call) -> object:
    body: rq.UpdateRunTaskConfig = call.body
    if body.on_untracked_image is None:
        raise InvalidArgument("on_untracked_image is required: UNSET, FAIL or WARN")
    found = registry.configure_run_task(
        call.repo, call.scope, on_untracked=body.on_untracked_image, now=call.now
    )
    return {"on_untracked_image": found.run_task_untracked.value}


V, C, A = Role.VIEWER, Role.CONTRIBUTOR, Role.ADMIN
_B = PREFIX + "/buckets/{bucket_name}"
_V = _B + "/versions/{fingerprint}"
_CH = _B + "/channels"

ROUTES = [
    Route(
        "GET",
        PREFIX + "/buckets",
        list_buckets,
        V,
        "v2023.ListBuckets",
        cached=True,
        cache_query=PAGE_QUERY,
    ),
    Route(
        "PUT",
        PREFIX + "/buckets",
        create_bucket,
        C,
        "v2023.CreateBucket",
        rq.CreateBucket,
        target=bucket_in_body("name"),
    ),
    Route("GET", _B, get_bucket, V, "v2023.GetBucket", cached=True),
    Route("DELETE", _B, delete_bucket, A, "v2023.DeleteBucket"),
    Route("PATCH", _B, update_bucket, C, "v2023.UpdateBucket", rq.UpdateBucket),
    Route("GET", _B + "/ancestry", list_bucket_ancestry, V, "v2023.ListBucketAncestry"),
    Route("GET", _CH, list_channels, V, "v2023.ListChannels"),
    Route("POST", _CH, create_channel, C, "v2023.CreateChannel", rq.CreateChannel),
    Route(
        "POST", _CH + "/assign", assign_channel, C, "v2023.AssignChannelVersion", rq.AssignChannel
    ),
    Route("GET", _CH + "/{channel_name}", get_channel, V, "v2023.GetChannel", cached=True),
    Route("DELETE", _CH + "/{channel_name}", delete_channel, C, "v2023.DeleteChannel"),
    Route(
        "PATCH", _CH + "/{channel_name}", update_channel, C, "v2023.UpdateChannel", rq.UpdateChannel
    ),
    Route(
        "GET",
        _CH + "/{channel_name}/history",
        channel_history,
        V,
        "v2023.ListChannelAssignmentHistory",
    ),
    Route("GET", _B + "/versions", list_versions, V, "v2023.ListVersions"),
    Route("POST", _B + "/versions", create_version, C, "v2023.CreateVersion", rq.CreateVersion),
    Route("GET", _V, get_version, V, "v2023.GetVersion", cached=True),
    Route("DELETE", _V, delete_version, C, "v2023.DeleteVersion"),
    Route("PATCH", _V, update_version, C, "v2023.UpdateVersion", rq.UpdateVersion),
    Route("GET", _V + "/builds", list_builds, V, "v2023.ListBuilds"),
    Route("POST", _V + "/builds", create_build, C, "v2023.CreateBuild", rq.BuildFields),
    Route("GET", _V + "/builds/{build_id}", get_build, V, "v2023.GetBuild"),
    Route("DELETE", _V + "/builds/{build_id}", delete_build, C, "v2023.DeleteBuild"),
    Route("PATCH", _V + "/builds/{build_id}", update_build, C, "v2023.UpdateBuild", rq.BuildFields),
    Route("GET", PREFIX + "/registry", get_registry, V, "v2023.GetRegistry"),
    Route("DELETE", PREFIX + "/registry", delete_registry, A, "v2023.DeleteRegistry"),
    Route("PUT", PREFIX + "/registry", create_registry, A, "v2023.CreateRegistry", CreateRegistry),
    Route(
        "PATCH", PREFIX + "/registry", update_registry, A, "v2023.UpdateRegistry", rq.UpdateRegistry
    ),
    Route("GET", PREFIX + "/runtasks/config", get_run_task_config, A, "v2023.GetRunTaskConfig"),
    Route(
        "PATCH",
        PREFIX + "/runtasks/config",
        update_run_task_config,
        A,
        "v2023.UpdateRunTaskConfig",
        rq.UpdateRunTaskConfig,
    ),
    Route(
        "PATCH", PREFIX + "/runtasks/hmac", regenerate_hmac, A, "v2023.RegenerateTFCRunTaskHmacKey"
    ),
    Route(
        "GET", PREFIX + "/runtasks/{task_type}", get_run_task, A, "v2023.GetRegistryTFCRunTaskAPI"
    ),
]
