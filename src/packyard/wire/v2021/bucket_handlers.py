"""The 2021-04-30 operations on buckets, their ancestry and the registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from packyard.domain.registry import Bucket
from packyard.services import ancestry, buckets, registry
from packyard.wire.bucket_pages import bucket_page
from packyard.wire.http import paginate, query_int
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


def update_registry(call: Call) -> object:
    body: rq.UpdateRegistry = call.body
    found = registry.update_registry(
        call.repo, call.scope, activate=body.activate, feature_tier=body.feature_tier, now=call.now
    )
    return {"registry": registry_shape(found)}
