"""POST /runtasks/{api_id}: where Terraform Cloud sends a run for Packyard's verdict.

Terraform Cloud signs the body with the registry's HMAC key (X-TFC-Task-Signature,
HMAC-SHA512), expects a quick 200, and then waits for the verdict on the run's callback URL.
Each task result is served once: a request for one already received is answered 200 and
nothing more is done (see services/run_task_job.py for what is done the first time).
"""

from __future__ import annotations

import json
import logging

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from packyard.errors import RegistryError
from packyard.ids import utcnow
from packyard.services import run_tasks
from packyard.services.run_task_job import report
from packyard.wire.http import error_response, json_response, read_limited
from packyard.wire.routing import Services

log = logging.getLogger("packyard.run_tasks")
MAX_PAYLOAD_BYTES = 256 * 1024
"""Terraform Cloud's run task payload is a few KiB of JSON: ids, URLs and a token."""


def run_task_route(services: Services) -> Route:
    async def receive(request: Request) -> Response:
        api_id = request.path_params["api_id"]
        try:
            body = await read_limited(request, limit=MAX_PAYLOAD_BYTES)
            receipt = run_tasks.receive(
                services.store,
                api_id=api_id,
                body=body,
                signature=request.headers.get("x-tfc-task-signature", ""),
                now=utcnow(),
            )
        except RegistryError as exc:
            return error_response(exc.code, exc.message)
        run, registry = receipt.run, receipt.registry
        if run is None:  # Terraform Cloud checking the run task
            return json_response({})
        if not receipt.first:  # a replay, or Terraform sending again: the first receipt answers it
            log.info(json.dumps({"run_task": api_id, "already_received": run.task_result_id}))
            return json_response({})
        task = BackgroundTask(
            report, services.store, services.settings.run_task, registry.project_id, api_id, run
        )
        return Response(b"{}", 200, media_type="application/json", background=task)

    return Route("/runtasks/{api_id}", receive, methods=["POST"], name="RunTask")
