"""The 2023-01-01 operations on buckets, their ancestry, the registry and its run task."""

from __future__ import annotations

from packyard.domain.reads import AncestryQuery, Relation
from packyard.domain.registry import FeatureTier
from packyard.domain.update_mask import mask_paths
from packyard.errors import InvalidArgument
from packyard.services import buckets, reads, registry
from packyard.wire.http import paginate
from packyard.wire.listing import list_ask, pagination
from packyard.wire.registry_shapes import registry as registry_shape
from packyard.wire.routing import Call
from packyard.wire.v2023 import requests as rq
from packyard.wire.v2023 import shapes
from packyard.wire.v2023.rendering import view


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
    return {"bucket": shapes.bucket(found, view(call))}


def get_bucket(call: Call) -> object:
    found = reads.show_bucket(
        call.work, call.actor, call.scope, name=call.param("bucket_name"), now=call.now
    )
    return {"bucket": shapes.bucket(call.answers(found).bucket, view(call))}


_BUCKET_ORDER = {"name": "name", "created_at": "created_at", "updated_at": "updated_at"}


def list_buckets(call: Call) -> object:
    ask = list_ask(call.request, _BUCKET_ORDER)
    found = call.answers(reads.list_buckets(call.work, call.actor, call.scope, ask, now=call.now))
    shown = view(call)
    return {
        "buckets": [shapes.bucket(item, shown) for item in found.buckets],
        "pagination": pagination(ask, [item.id for item in found.buckets], more=found.more),
    }


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
    "ANCESTRY_TYPE_PARENTS": Relation.PARENTS,
    "ANCESTRY_TYPE_CHILDREN": Relation.CHILDREN,
}


def list_bucket_ancestry(call: Call) -> object:
    kind = call.request.query_params.get("type") or "ANCESTRY_TYPE_UNSET"
    if kind not in (*_RELATIONS, "ANCESTRY_TYPE_UNSET"):
        raise InvalidArgument("type must be ANCESTRY_TYPE_PARENTS or ANCESTRY_TYPE_CHILDREN")
    query = AncestryQuery(
        relation=_RELATIONS.get(kind),
        channel=call.request.query_params.get("channel_name") or None,
        fingerprint=call.request.query_params.get("version_fingerprint") or None,
    )
    found = reads.bucket_relations(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        query=query,
        now=call.now,
    )
    relations = call.answers(found).relations
    page, pages = paginate(call.request, relations)
    return {
        "relations": [shapes.relation(item) for item in page],
        "total_count": len(relations),
        "pagination": pages,
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
    paths = mask_paths(body.update_mask, allowed=_REGISTRY_PATHS)
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
