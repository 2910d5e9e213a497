"""The Terraform Cloud run task: does a plan deploy any artifact whose version is revoked?"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from packyard.domain.registry import Registry, RunTaskBehaviour
from packyard.errors import FailedPrecondition, InvalidArgument, NotFound, Unauthenticated
from packyard.services.work import Store, unit_of_work
from packyard.store.run_tasks import RunTaskRuns
from packyard.store.work import Work

KEPT_FOR = timedelta(days=30)
"""How long a received task result is remembered (and how old a run may be to be checked)."""
VERIFICATION_TOKEN = "test-token"  # Terraform Cloud's token when it checks a new run task


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def registry_for(repo: Work, *, api_id: str, body: bytes, signature: str) -> Registry:
    """The registry the run task belongs to, if the request is signed with its HMAC key."""
    registry = repo.registry_by_run_task(api_id)
    if registry is None:
        raise NotFound("no such run task")
    expected = hmac.new(registry.run_task_hmac_key.encode(), body, hashlib.sha512).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthenticated("the run task request is not signed with this registry's key")
    return registry


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def plan_values(plan: dict[str, object]) -> set[str]:
    """Every string a plan would set: planned values and the resources' after-states."""
    found = set(_strings(plan.get("planned_values", {})))
    changes = plan.get("resource_changes")
    for change in changes if isinstance(changes, list) else []:
        after = change.get("change", {}).get("after") if isinstance(change, dict) else None
        found.update(_strings(after))
    return found


def judge_plan(
    repo: Work, registry: Registry, plan: dict[str, object], *, now: datetime
) -> Verdict:
    values = plan_values(plan)
    revoked = sorted(
        {
            f"{identifier} ({version.bucket_name} v{version.sequence or 0})"
            for identifier, version in repo.revoked_artifacts(registry.project_id, now)
            if identifier in values
        }
    )
    if revoked:
        return Verdict(False, "The plan uses revoked artifacts: " + ", ".join(revoked))
    known = repo.known_artifacts(registry.project_id, sorted(values))
    if not known and registry.run_task_untracked is RunTaskBehaviour.FAIL:
        return Verdict(False, "The plan uses no artifact that the registry tracks")
    return Verdict(True, f"{len(known)} artifact(s) from the registry in the plan, none revoked")


@dataclass(frozen=True)
class RunTaskRequest:
    """What a Terraform run task request asks: a verdict on one task result of one run."""

    task_result_id: str
    access_token: str
    plan_url: str
    callback_url: str
    run_created_at: datetime | None = None


def run_task_request(payload: dict[str, object]) -> RunTaskRequest:
    """The request a (signed) run task payload makes, or InvalidArgument."""
    fields = ("task_result_id", "access_token", "plan_json_api_url", "task_result_callback_url")
    values = [payload.get(key) for key in fields]
    if not all(isinstance(value, str) and value for value in values):
        raise InvalidArgument(
            "the run task payload lacks its task_result_id, access_token, plan or callback URL"
        )
    if len(str(values[0])) > 200:
        raise InvalidArgument("the run task payload's task_result_id is too long")
    created = payload.get("run_created_at")
    moment = None
    if isinstance(created, str):
        try:
            moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidArgument("the run task payload's run_created_at is not a time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    task_result_id, token, plan_url, callback_url = (str(value) for value in values)
    return RunTaskRequest(task_result_id, token, plan_url, callback_url, moment)


def first_receipt(
    runs: RunTaskRuns, registry: Registry, request: RunTaskRequest, *, now: datetime
) -> bool:
    """Record the request's task result; False if it was received before. Requests for runs
    older than the record is kept are refused, so a replay cannot outlive the record."""
    if request.run_created_at is not None and request.run_created_at < now - KEPT_FOR:
        raise FailedPrecondition("the run task request is for a run too old to check")
    runs.forget_before(now - KEPT_FOR)
    return runs.receive(registry.id, request.task_result_id, now=now)


@dataclass(frozen=True)
class Receipt:
    """A signed run task request as received: its registry, its run (None: Terraform Cloud
    checking a new run task) and whether this is the first receipt of its task result."""

    registry: Registry
    run: RunTaskRequest | None = None
    first: bool = False


def receive(store: Store, *, api_id: str, body: bytes, signature: str, now: datetime) -> Receipt:
    """Check the request's signature (a read), read its payload, and record its task result
    (a write of its own, so a bad payload writes nothing)."""
    with unit_of_work(store) as work:
        registry = registry_for(work, api_id=api_id, body=body, signature=signature)
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidArgument("the run task payload is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
        raise InvalidArgument("the run task payload has no access_token")
    if payload["access_token"] == VERIFICATION_TOKEN:
        return Receipt(registry)
    run = run_task_request(payload)
    with unit_of_work(store, write=True) as work:
        first = first_receipt(work.run_task_runs, registry, run, now=now)
    return Receipt(registry, run, first)
