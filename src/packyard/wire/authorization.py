"""Who may call a route: the bearer token, the project the path names, and the role."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from packyard.domain.iam import Target
from packyard.domain.identity import Actor, Role, Scope
from packyard.errors import NotFound, PermissionDenied, Unauthenticated
from packyard.wire.route import Route


def bearer(request: Request) -> str:
    """The request's bearer token. Its first Authorization header is read straight from the
    ASGI scope (whose header names are lower-case), as Starlette's `headers.get` reads it,
    without a Headers object made for it on the hot path."""
    header = ""
    for name, value in request.scope["headers"]:
        if name == b"authorization":
            header = value.decode("latin-1")
            break
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a bearer token is required")
    return token.strip()


def scope_of(actor: Actor, params: dict[str, str]) -> Scope:
    """The project the path names; another tenant's project answers as not found."""
    organization_id = params.get("organization_id", "")
    project_id = params.get("project_id", "")
    if not actor.can_see(organization_id, project_id or None):
        raise NotFound("no such organization or project")
    return Scope(organization_id, project_id)


Granted = Callable[[Actor, Scope, Target], Role | None]


def authorize(
    route: Route,
    actor: Actor,
    params: dict[str, str],
    *,
    target: Target | None = None,
    granted: Granted | None = None,
) -> tuple[Actor, Scope]:
    """The scope a request acts in, and the actor with any role granted on its bucket."""
    if route.scoped:
        scope = scope_of(actor, params)
    elif target is not None and target.project_id is not None:
        scope = scope_of(
            actor, {"organization_id": actor.organization_id, "project_id": target.project_id}
        )
    else:
        scope = Scope(actor.organization_id, "")
    if actor.bucket_roles and actor.role < Role.ADMIN and target is not None and granted:
        actor = actor.on_bucket(granted(actor, scope, target))
    if actor.role < route.role:
        raise PermissionDenied(f"the {actor.role.label} role may not call {route.operation}")
    return actor, scope
