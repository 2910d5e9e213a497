"""The console's project pages beyond the registry's content: the audit trail, the run
task, and the instance's exports for Packer and Terraform."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from starlette.responses import Response

from packyard.domain.identity import Role
from packyard.errors import InvalidArgument
from packyard.ids import parse_rfc3339
from packyard.services import overview, registry
from packyard.web.actions import go_back
from packyard.web.pages import P
from packyard.web.render import render
from packyard.wire.routing import Call, Route


def _moment(text: str, what: str) -> datetime | None:
    if not text:
        return None
    value = text if len(text) > 10 else text + "T00:00:00"
    try:
        return parse_rfc3339(value if value.endswith("Z") or "+" in value[10:] else value + "Z")
    except ValueError:
        raise InvalidArgument(f'“{what}” is not a date (YYYY-MM-DD) or time: "{text}"') from None


def audit(call: Call) -> Response:
    query = call.request.query_params
    wanted = overview.AuditFilter(
        actor=query.get("actor", "").strip(),
        operation=query.get("operation", "").strip(),
        since=_moment(query.get("since", "").strip(), "since"),
        until=_moment(query.get("until", "").strip(), "until"),
        limit=10000 if query.get("format") else 200,
    )
    events = overview.audit_trail(call.repo, call.scope, wanted)
    rows = [event.as_dict() for event in events]
    if query.get("format") == "json":
        return Response(
            json.dumps({"events": rows}, indent=2),
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="audit.json"'},
        )
    if query.get("format") == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["id"])
        writer.writeheader()
        writer.writerows(rows)
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    if query.get("format"):
        raise InvalidArgument("export as csv or json")
    return render(call, "audit.html", events=events, form=query, title="Audit trail")


def run_task(call: Call) -> Response:
    found = registry.get_registry(call.repo, call.scope)
    reveal = call.request.query_params.get("reveal") == "1" and call.actor.role >= Role.ADMIN
    return render(
        call,
        "run_task.html",
        api_url=f"{call.settings.base_url}/runtasks/{found.run_task_api_id}",
        hmac_key=found.run_task_hmac_key if reveal else None,
        title="Run task",
    )


def rotate_run_task_key(call: Call) -> Response:
    registry.regenerate_hmac_key(call.repo, call.scope, now=call.now)
    return go_back(call, "/run-task", "Made a new HMAC key; give it to Terraform Cloud.")


def instance(call: Call) -> Response:
    settings = call.settings
    bundle = (
        None
        if settings.cert_file or settings.insecure_http
        else str(settings.data_dir / "tls" / "ca-bundle.pem")
    )
    common = {
        "HCP_API_ADDRESS": call.request.url.netloc,
        "HCP_AUTH_URL": f"{call.request.url.scheme}://{call.request.url.netloc}",
        "HCP_ORGANIZATION_ID": call.scope.organization_id,
        "HCP_PROJECT_ID": call.scope.project_id,
        "HCP_CLIENT_ID": "<the principal's client id>",
        "HCP_CLIENT_SECRET": "<its client secret>",
    }
    if bundle:
        common["SSL_CERT_FILE"] = bundle
    return render(
        call,
        "instance.html",
        exports={
            "Packer 1.9 (2021-04-30)": common,
            "Packer 1.10 and later (2023-01-01)": common,
            "Terraform with the hcp provider": {**common, "HCP_SKIP_STATUS_CHECK": "true"},
        },
        title="This instance",
    )


V, A = Role.VIEWER, Role.ADMIN
ADMIN_PAGES = [
    Route("GET", P + "/audit", audit, A, "console.Audit"),
    Route("GET", P + "/run-task", run_task, V, "console.RunTask"),
    Route("POST", P + "/run-task/rotate", rotate_run_task_key, A, "console.RotateRunTaskKey"),
    Route("GET", P + "/instance", instance, V, "console.Instance"),
]
