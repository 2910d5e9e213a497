"""The extension API's accounts operations: users, their sessions, and the audit trail.

Organization-wide admins only: a user or key bound to one project may neither make users
(who could be given any project) nor read the organization's audit trail.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec
from starlette.responses import Response

from packyard.auth import users
from packyard.domain.audit import AuditEvent
from packyard.domain.identity import Role
from packyard.errors import InvalidArgument
from packyard.ids import rfc3339
from packyard.services import accounts
from packyard.services.accounts import User
from packyard.services.audit_trail import MAX_EXPORT_PAGE, MAX_PAGE, AuditQuery
from packyard.wire.http import timestamp
from packyard.wire.routing import Call, Route

ORG = "/packyard/v1/organizations/{organization_id}"
USERS = ORG + "/users"
USER = USERS + "/{user_name}"


class NewUser(msgspec.Struct):
    name: str
    role: str
    project_id: str | None = None
    password: str | None = None  # replaced by its hash before the transaction


class NewPassword(msgspec.Struct):
    password: str | None = None


def _hashed(body: Any) -> Any:
    """In a worker thread: a given password checked and hashed (argon2id)."""
    if body.password is not None:
        return msgspec.structs.replace(body, password=users.hash_password(body.password))
    return body


def user_shape(user: User, open_sessions: int | None = None) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "name": user.name,
        "principal_id": user.principal_id,
        "role": user.role.label,
        "organization_id": user.organization_id,
        "project_id": user.project_id,
        "created_at": rfc3339(user.created_at),
        "password": user.has_password,
        "sso_subject": user.sso_subject,
    }
    if open_sessions is not None:
        shape["sessions"] = open_sessions
    return shape


def _made(call: Call, made: accounts.Made) -> dict[str, Any]:
    answer: dict[str, Any] = {"user": user_shape(made.user, 0)}
    if made.link_token is not None:
        answer["sign_in_link"] = call.settings.base_url + users.link_path(made.link_token)
    return answer


def list_users(call: Call) -> object:
    found = accounts.list_users(call.repo, call.actor, now=call.now)
    return {"users": [user_shape(item.user, item.sessions) for item in found]}


def create_user(call: Call) -> object:
    body: NewUser = call.body
    made = accounts.create_user(
        call.repo,
        call.actor,
        name=body.name,
        role=body.role,
        project_id=body.project_id or None,
        password_hash=body.password,
        now=call.now,
        link_seconds=call.settings.sessions.link_seconds,
    )
    return _made(call, made)


def get_user(call: Call) -> object:
    found = accounts.get_user(call.repo, call.actor, call.param("user_name"), now=call.now)
    return {"user": user_shape(found.user, found.sessions)}


def delete_user(call: Call) -> object:
    accounts.delete_user(call.repo, call.actor, call.param("user_name"))
    return {}


def reset_password(call: Call) -> object:
    body: NewPassword = call.body
    made = accounts.reset_password(
        call.repo,
        call.actor,
        call.param("user_name"),
        password_hash=body.password,
        now=call.now,
        link_seconds=call.settings.sessions.link_seconds,
    )
    return _made(call, made)


def list_sessions(call: Call) -> object:
    found = accounts.user_sessions(
        call.repo,
        call.actor,
        call.param("user_name"),
        now=call.now,
        settings=call.settings.sessions,
    )
    return {
        "sessions": [
            {
                "id": item.id,
                "created_at": rfc3339(item.created_at),
                "last_seen_at": rfc3339(item.last_seen_at),
                "expires_at": rfc3339(item.expires_at),
                "source": item.source,
                "user_agent": item.user_agent,
            }
            for item in found
        ]
    }


def end_sessions(call: Call) -> object:
    accounts.end_sessions(call.repo, call.actor, call.param("user_name"))
    return {}


EVENT_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_name",
    "operation",
    "method",
    "resource",
    "organization_id",
    "project_id",
    "source",
    "forwarded_for",
)


def event_shape(event: AuditEvent) -> dict[str, Any]:
    shape: dict[str, Any] = {name: getattr(event, name) for name in EVENT_FIELDS}
    shape["occurred_at"] = rfc3339(event.occurred_at)
    return shape


def _page_size(text: str | None, default: int) -> int:
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument("page_size must be a whole number") from None


def audit_events(call: Call) -> object:
    query = call.request.query_params
    export = (query.get("format") or "json").lower()
    if export not in ("json", "csv"):
        raise InvalidArgument("format must be json or csv")
    most = MAX_EXPORT_PAGE if export == "csv" else MAX_PAGE
    wanted = AuditQuery(
        actor=query.get("actor") or "",
        operation=query.get("operation") or "",
        since=timestamp(query.get("since")),
        until=timestamp(query.get("until")),
        page_size=_page_size(query.get("page_size"), most if export == "csv" else 100),
        page_token=query.get("page_token") or "",
    )
    events, next_token = accounts.audit_events(call.repo, call.actor, wanted, most=most)
    if export == "json":
        return {"events": [event_shape(event) for event in events], "next_page_token": next_token}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EVENT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for event in events:
        writer.writerow({key: _cell(value) for key, value in event_shape(event).items()})
    headers = {"Content-Disposition": 'attachment; filename="packyard-audit.csv"'}
    if next_token:
        headers["X-Next-Page-Token"] = next_token
    return Response(out.getvalue(), 200, media_type="text/csv; charset=utf-8", headers=headers)


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


ADMIN = Role.ADMIN
ROUTES: list[Route] = [
    Route("GET", USERS, list_users, ADMIN, "ListUsers"),
    Route("POST", USERS, create_user, ADMIN, "CreateUser", body=NewUser, prepare=_hashed),
    Route("GET", USER, get_user, ADMIN, "GetUser"),
    Route("DELETE", USER, delete_user, ADMIN, "DeleteUser"),
    Route(
        "POST",
        USER + ":reset-password",
        reset_password,
        ADMIN,
        "ResetUserPassword",
        body=NewPassword,
        prepare=_hashed,
    ),
    Route("GET", USER + "/sessions", list_sessions, ADMIN, "ListUserSessions"),
    Route("DELETE", USER + "/sessions", end_sessions, ADMIN, "EndUserSessions"),
    Route("GET", ORG + "/audit-events", audit_events, ADMIN, "ListAuditEvents"),
]
