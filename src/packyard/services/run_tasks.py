"""The Terraform Cloud run task: does a plan deploy any artifact whose version is revoked?"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from packyard.domain.registry import Registry, RunTaskBehaviour
from packyard.errors import NotFound, Unauthenticated
from packyard.store.repository import Repository


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str


def registry_for(repo: Repository, *, api_id: str, body: bytes, signature: str) -> Registry:
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
    repo: Repository, registry: Registry, plan: dict[str, object], *, now: datetime
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
