"""The run task's verdict on a Terraform plan, and the first receipt of each task result."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from packyard.errors import InvalidArgument, Unauthenticated
from packyard.ids import utcnow
from packyard.services import registry as registries
from packyard.services import run_tasks
from packyard.services.run_tasks import RunTaskRequest
from tests.services.conftest import Registry


def _plan(*amis: str) -> dict[str, object]:
    return {
        "planned_values": {"root_module": {"resources": [{"values": {"ami": a}} for a in amis]}}
    }


def test_a_plan_with_a_revoked_artifact_fails_and_one_with_a_tracked_artifact_passes(
    registry: Registry,
):
    old = registry.push("app", "f1")
    registry.push("app", "f2")
    registry.revoke(old, "bad")
    with registry.work(write=False) as work:
        found = registries.get_registry(work, registry.scope)
        failed = run_tasks.judge_plan(work, found, _plan("ami-f1-0"), now=utcnow())
        passed = run_tasks.judge_plan(work, found, _plan("ami-f2-0"), now=utcnow())
    assert not failed.passed and "ami-f1-0 (app v1)" in failed.message
    assert passed.passed and passed.message.startswith("1 artifact(s)")


def test_a_request_is_served_only_signed_with_the_registrys_key_and_received_once(
    registry: Registry,
):
    with registry.work(write=False) as work:
        found = registries.get_registry(work, registry.scope)
    body = b'{"task_result_id": "t1"}'
    signature = hmac.new(found.run_task_hmac_key.encode(), body, hashlib.sha512).hexdigest()
    request = RunTaskRequest("t1", "token", "https://plan", "https://callback")
    with registry.work() as work:
        with pytest.raises(Unauthenticated):
            run_tasks.registry_for(work, api_id=found.run_task_api_id, body=body, signature="00")
        signed = run_tasks.registry_for(
            work, api_id=found.run_task_api_id, body=body, signature=signature
        )
        first = run_tasks.first_receipt(work.run_task_runs, signed, request, now=utcnow())
    with registry.work() as work:
        again = run_tasks.first_receipt(work.run_task_runs, signed, request, now=utcnow())
    assert signed.id == found.id
    assert first and not again


def test_a_signed_request_is_received_in_one_call_checked_read_and_recorded_once(
    registry: Registry,
):
    with registry.work(write=False) as work:
        found = registries.get_registry(work, registry.scope)

    def receive(body: bytes) -> run_tasks.Receipt:
        signature = hmac.new(found.run_task_hmac_key.encode(), body, hashlib.sha512).hexdigest()
        return run_tasks.receive(
            registry.store,
            api_id=found.run_task_api_id,
            body=body,
            signature=signature,
            now=utcnow(),
        )

    payload = (
        b'{"task_result_id": "t1", "access_token": "token", "plan_json_api_url": "https://plan",'
        b' "task_result_callback_url": "https://callback"}'
    )
    check = receive(b'{"access_token": "test-token"}')
    assert (check.registry.id, check.run, check.first) == (found.id, None, False)
    with pytest.raises(InvalidArgument, match="not JSON"):
        receive(b"{")
    first, again = receive(payload), receive(payload)
    assert first.run is not None and first.run.task_result_id == "t1"
    assert first.first and not again.first
