"""The 2021-04-30 operations on buckets, their ancestry and the registry."""

from __future__ import annotations

from packyard.domain.reads import AncestryQuery, parse_relation
from packyard.services import buckets, reads, registry
from packyard.wire.http import paginate, query_int
from packyard.wire.listing import list_ask, pagination
from packyard.wire.registry_shapes import registry as registry_shape
from packyard.wire.routing import (
    Call,
)
from packyard.wire.v2021 import requests as rq
from packyard.wire.v2021 import shapes


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
    return {"bucket": shapes.bucket(found)}


def get_bucket(call: Call) -> object:
    found = reads.show_bucket(
        call.work, call.actor, call.scope, name=call.param("bucket_slug"), now=call.now
    )
    return {"bucket": shapes.bucket(call.answers(found).bucket)}


_BUCKET_ORDER = {
    "slug": "name",
    "name": "name",
    "created_at": "created_at",
    "updated_at": "updated_at",
}


def list_buckets(call: Call) -> object:
    ask = list_ask(call.request, _BUCKET_ORDER)
    found = call.answers(reads.list_buckets(call.work, call.actor, call.scope, ask, now=call.now))
    return {
        "buckets": [shapes.bucket(item) for item in found.buckets],
        "pagination": pagination(ask, [item.id for item in found.buckets], more=found.more),
    }


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
    query = AncestryQuery(
        relation=parse_relation(call.request.query_params.get("type")),
        channel=call.request.query_params.get("channel") or None,
        version_id=call.request.query_params.get("iteration_id") or None,
        fingerprint=call.request.query_params.get("fingerprint") or None,
        sequence=query_int(call.request, "incremental_version"),
    )
    found = reads.bucket_relations(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
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


def update_registry(call: Call) -> object:
    body: rq.UpdateRegistry = call.body
    found = registry.update_registry(
        call.repo, call.scope, activate=body.activate, feature_tier=body.feature_tier, now=call.now
    )
    return {"registry": registry_shape(found)}
