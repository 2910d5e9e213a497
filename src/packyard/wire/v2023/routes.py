"""The 2023-01-01 operations served so far, as routes (the handlers parse, call a use case,
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
from packyard.wire.routing import Route, bucket_in_body
from packyard.wire.v2023 import requests as rq
from packyard.wire.v2023.bucket_handlers import (
    create_bucket,
    delete_bucket,
    get_bucket,
    get_run_task_config,
    list_bucket_ancestry,
    list_buckets,
    update_bucket,
    update_registry,
    update_run_task_config,
)
from packyard.wire.v2023.channel_handlers import (
    assign_channel,
    channel_history,
    create_channel,
    delete_channel,
    get_channel,
    list_channels,
    update_channel,
)

# PREFIX and view are the names the plane's other route modules share.
from packyard.wire.v2023.rendering import PREFIX as PREFIX
from packyard.wire.v2023.rendering import view as view
from packyard.wire.v2023.version_handlers import (
    create_build,
    create_version,
    delete_build,
    delete_version,
    get_build,
    get_version,
    list_builds,
    list_versions,
    update_build,
    update_version,
)

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
