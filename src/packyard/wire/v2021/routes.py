"""The 30 operations of the 2021-04-30 plane, as routes (the handlers parse, call a use case,
render; they live beside this table by resource)."""

from __future__ import annotations

from packyard.domain.identity import Role
from packyard.wire.listing import PAGE_QUERY
from packyard.wire.registry_handlers import (
    CreateRegistry,
    create_registry,
    delete_registry,
    get_registry,
    get_run_task,
    regenerate_hmac,
)
from packyard.wire.routing import (
    Route,
    bucket_in_body,
    bucket_of_build,
    bucket_of_iteration,
)
from packyard.wire.v2021 import requests as rq
from packyard.wire.v2021.bucket_handlers import (
    create_bucket,
    delete_bucket,
    get_bucket,
    list_bucket_ancestry,
    list_buckets,
    update_bucket,
    update_registry,
)
from packyard.wire.v2021.channel_handlers import (
    create_channel,
    delete_channel,
    get_channel,
    list_channel_history,
    list_channels,
    update_channel,
)
from packyard.wire.v2021.iteration_handlers import (
    GET_ITERATION_QUERY,
    create_build,
    create_iteration,
    delete_build,
    delete_iteration,
    get_build,
    get_iteration,
    iteration_ancestors,
    iteration_children,
    list_builds,
    list_iterations,
    update_build,
    update_iteration,
)
from packyard.wire.v2021.rendering import PREFIX

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
    Route(
        "GET",
        _B + "/iteration",
        get_iteration,
        V,
        "GetIteration",
        cached=True,
        cache_query=GET_ITERATION_QUERY,
    ),
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
