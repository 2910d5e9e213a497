"""POST /runtasks/{api_id}: where Terraform Cloud sends a run for Packyard's verdict.

Terraform Cloud signs the body with the registry's HMAC key (X-TFC-Task-Signature,
HMAC-SHA512), expects a quick 200, and then waits for the verdict on the run's callback URL.
"""

from __future__ import annotations

import json
import logging

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from packyard.errors import InvalidArgument, RegistryError
from packyard.ids import utcnow
from packyard.services.run_tasks import judge_plan, registry_for
from packyard.store.repository import Repository
from packyard.wire.http import error_response, json_response, read_limited
from packyard.wire.routing import Services

log = logging.getLogger("packyard.run_tasks")
VERIFICATION_TOKEN = "test-token"  # Terraform Cloud's token when it checks a new run task
MAX_PAYLOAD_BYTES = 256 * 1024
"""Terraform Cloud's run task payload is a few KiB of JSON: ids, URLs and a token."""


def _report(
    services: Services, registry_project: str, api_id: str, payload: dict[str, str]
) -> None:
    """Fetch the plan, judge it, and send the verdict to the run's callback URL."""
    token = payload["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.api+json"}
    with httpx.Client(timeout=30, follow_redirects=True) as client:
        try:
            plan = client.get(payload["plan_json_api_url"], headers=headers)
            plan.raise_for_status()
            with services.store.transaction() as conn:
                repo = Repository(conn)
                registry = repo.registry_by_run_task(api_id)
                if registry is None or registry.project_id != registry_project:
                    return
                verdict = judge_plan(repo, registry, plan.json(), now=utcnow())
            status, message = ("passed" if verdict.passed else "failed"), verdict.message
        except (httpx.HTTPError, ValueError, RegistryError) as exc:
            status, message = "failed", f"Packyard could not check the plan: {exc}"
        result = {
            "data": {"type": "task-results", "attributes": {"status": status, "message": message}}
        }
        try:
            client.patch(
                payload["task_result_callback_url"], headers=headers, content=json.dumps(result)
            ).raise_for_status()
        except httpx.HTTPError as exc:
            log.warning(json.dumps({"run_task": api_id, "callback_failed": str(exc)}))


def run_task_route(services: Services) -> Route:
    async def receive(request: Request) -> Response:
        api_id = request.path_params["api_id"]
        try:
            body = await read_limited(request, limit=MAX_PAYLOAD_BYTES)
            with services.store.transaction() as conn:
                registry = registry_for(
                    Repository(conn),
                    api_id=api_id,
                    body=body,
                    signature=request.headers.get("x-tfc-task-signature", ""),
                )
            try:
                payload = json.loads(body)
            except ValueError:
                raise InvalidArgument("the run task payload is not JSON") from None
            if not isinstance(payload, dict) or not isinstance(payload.get("access_token"), str):
                raise InvalidArgument("the run task payload has no access_token")
        except RegistryError as exc:
            return error_response(exc.code, exc.message)
        if payload["access_token"] == VERIFICATION_TOKEN:
            return json_response({})
        needed = ("plan_json_api_url", "task_result_callback_url")
        if not all(isinstance(payload.get(key), str) for key in needed):
            return error_response(3, "the run task payload lacks its plan or callback URL")
        task = BackgroundTask(_report, services, registry.project_id, api_id, payload)
        return Response(b"{}", 200, media_type="application/json", background=task)

    return Route("/runtasks/{api_id}", receive, methods=["POST"], name="RunTask")
