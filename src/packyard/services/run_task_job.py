"""The run task's work once Terraform has its quick 200: read the plan, judge it, and send the
verdict to the run's callback URL, all before one deadline.

A verdict is always sent: `failed`, saying why, when the plan cannot be read (a refused
destination, an error status, too large, too slow, not JSON). Only when the callback URL is
itself refused is nothing sent anywhere.
"""

from __future__ import annotations

import json
import logging

from packyard.config import RunTaskSettings
from packyard.errors import RegistryError
from packyard.ids import utcnow
from packyard.outbound import Deadline, Destinations, Refused, TerraformCloud, Unreadable
from packyard.services.run_tasks import RunTaskRequest, judge_plan
from packyard.store.engine import Store
from packyard.store.work import Work

log = logging.getLogger("packyard.run_tasks")
VERDICT_RESERVE_SECONDS = 10.0  # of the deadline, kept for sending the verdict


def task_result(status: str, message: str) -> bytes:
    return json.dumps(
        {"data": {"type": "task-results", "attributes": {"status": status, "message": message}}}
    ).encode()


def report(
    store: Store, settings: RunTaskSettings, project_id: str, api_id: str, run: RunTaskRequest
) -> None:
    deadline = Deadline.after(settings.deadline_seconds)
    destinations = Destinations.from_settings(settings)
    try:
        destinations.check(run.callback_url)
    except Refused as exc:
        log.warning(json.dumps({"run_task": api_id, "callback_refused": str(exc)}))
        return
    client = TerraformCloud(destinations, max_plan_bytes=settings.max_plan_bytes)
    try:
        reserve = min(VERDICT_RESERVE_SECONDS, settings.deadline_seconds / 4)
        status, message = _judge(store, client, project_id, api_id, run, deadline.sooner(reserve))
        try:
            answered = client.send(
                run.callback_url, run.access_token, task_result(status, message), deadline
            )
        except (Refused, Unreadable) as exc:
            log.warning(json.dumps({"run_task": api_id, "callback_failed": str(exc)}))
        else:
            if not 200 <= answered < 300:
                log.warning(json.dumps({"run_task": api_id, "callback_failed": answered}))
    finally:
        client.close()


def _judge(
    store: Store,
    client: TerraformCloud,
    project_id: str,
    api_id: str,
    run: RunTaskRequest,
    deadline: Deadline,
) -> tuple[str, str]:
    """The verdict: ("passed" or "failed", message)."""
    cannot = "Packyard could not check the plan: "
    try:
        plan = client.plan(run.plan_url, run.access_token, deadline)
        with store.transaction() as conn:
            repo = Work(conn)
            registry = repo.registry_by_run_task(api_id)
            if registry is None or registry.project_id != project_id:
                return "failed", cannot + "the run task no longer exists"
            verdict = judge_plan(repo, registry, plan, now=utcnow())
    except (Refused, Unreadable, RegistryError) as exc:
        return "failed", cannot + str(exc)
    except RecursionError:
        return "failed", cannot + "the plan is nested too deeply"
    except Exception:  # a verdict is sent whatever went wrong; the cause goes to the log
        log.exception(json.dumps({"run_task": api_id, "judging_failed": True}))
        return "failed", cannot + "an internal error"
    return ("passed" if verdict.passed else "failed"), verdict.message
