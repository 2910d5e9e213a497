"""Registry and run-task operations, the same in both Packer planes."""

from __future__ import annotations

import msgspec

from packyard.domain.registry import FeatureTier
from packyard.errors import InvalidArgument
from packyard.services import registry
from packyard.wire.headers import secret_response
from packyard.wire.http import query_bool
from packyard.wire.registry_shapes import registry as registry_shape
from packyard.wire.routing import Call


class CreateRegistry(msgspec.Struct):
    feature_tier: FeatureTier | None = None


def get_registry(call: Call) -> object:
    return {"registry": registry_shape(registry.get_registry(call.repo, call.scope))}


def create_registry(call: Call) -> object:
    body: CreateRegistry = call.body
    found = registry.create_registry(
        call.repo, call.scope, feature_tier=body.feature_tier, now=call.now
    )
    return {"registry": registry_shape(found)}


def delete_registry(call: Call) -> object:
    found = registry.delete_registry(
        call.repo,
        call.scope,
        hard_delete=bool(query_bool(call.request, "hard_delete")),
        now=call.now,
    )
    return {"registry": registry_shape(found)}


def get_run_task(call: Call) -> object:
    if call.param("task_type") != "validation":
        raise InvalidArgument('the only run task type is "validation"')
    found = registry.get_registry(call.repo, call.scope)
    return secret_response(
        {
            "api_url": f"{call.settings.base_url}/runtasks/{found.run_task_api_id}",
            "hmac_key": found.run_task_hmac_key,
        }
    )


def regenerate_hmac(call: Call) -> object:
    hmac_key = registry.regenerate_hmac_key(call.repo, call.scope, now=call.now)
    return secret_response({"hmac_key": hmac_key})
