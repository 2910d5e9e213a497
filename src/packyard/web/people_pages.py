"""The console's principals and users: list them; create, rotate and delete a service
principal (its new secret shown once); create a user, reset a password (the one-time
sign-in link shown once) and delete a user.

Each action is the use case the CLI and the extension API call (packyard.services.tenants,
packyard.services.accounts), by an organization-wide admin, in the organization of the caller.
"""

from __future__ import annotations

from starlette.responses import Response

from packyard.auth import users
from packyard.auth.principals import new_key
from packyard.domain.identity import Role, within
from packyard.errors import InvalidArgument, NotFound
from packyard.services import accounts, tenants
from packyard.services.tenants import Credentials, TenantRow
from packyard.web.actions import go_back
from packyard.web.dispatch import Form
from packyard.web.pages import P
from packyard.web.render import render
from packyard.wire.routing import Call, Route

PRINCIPALS = P + "/principals"
PRINCIPAL = PRINCIPALS + "/{principal_name}"
USER = P + "/users/{user_name}"


def _organization_admin(call: Call) -> str:
    return accounts.organization_admin(call.actor)


def _principals(call: Call) -> list[TenantRow]:
    """The organization's service principals (users are listed apart)."""
    organization = call.actor.organization_id
    found = tenants.list_principals(call.repo)
    return [row for row in found if within(row.organization_id, organization=organization)]


def _principal(call: Call) -> TenantRow:
    name = call.param("principal_name")
    for row in _principals(call):
        if row.name == name:
            return row
    raise NotFound(f'no principal named "{name}"')


def _confirmed(form: Form, expected: str) -> None:
    if form.get("confirm") != expected:
        raise InvalidArgument(f'type "{expected}" to confirm; nothing was changed')


def _role(form: Form) -> Role:
    try:
        return Role.parse(form.get("role"))
    except KeyError:
        raise InvalidArgument("choose the role: viewer, contributor or admin") from None


def _project(call: Call, form: Form) -> str | None:
    wanted = form.get("project") or None
    projects = tenants.projects_seen(call.repo, call.actor, call.actor.organization_id)
    seen = {row.id for row in projects}
    if wanted is not None and wanted not in seen:
        raise NotFound(f'project "{wanted}" not found')
    return wanted


def people(call: Call) -> Response:
    organization = call.actor.organization_id
    return render(
        call,
        "people.html",
        principals=_principals(call),
        users=accounts.users_of(call.repo, organization),
        projects=tenants.projects_seen(call.repo, call.actor, organization),
        title="Principals and users",
    )


def _secret(call: Call, found: Credentials, what: str) -> Response:
    return render(call, "secret.html", credentials=found, what=what, title=f"{what} {found.name}")


def create_principal(call: Call) -> Response:
    form: Form = call.body
    found = tenants.create_principal(
        call.repo,
        name=form.get("name"),
        role=_role(form),
        organization_id=_organization_admin(call),
        project_id=_project(call, form),
        key=new_key(),
        now=call.now,
    )
    return _secret(call, found, "Created principal")


def rotate_principal(call: Call) -> Response:
    _organization_admin(call)
    row = _principal(call)
    found = tenants.rotate_principal(call.repo, name=row.name, key=new_key())
    return _secret(call, found, "New secret for")


def delete_principal(call: Call) -> Response:
    _organization_admin(call)
    row = _principal(call)
    _confirmed(call.body, row.name)
    tenants.delete_principal(call.repo, name=row.name)
    return go_back(call, "/principals", f"Deleted principal {row.name}.")


def _link(call: Call, user: accounts.User, what: str) -> Response:
    token = accounts.new_link(
        call.repo,
        name=user.name,
        now=call.now,
        ttl_seconds=call.settings.sessions.link_seconds,
    )
    return render(
        call,
        "sign_in_link.html",
        user=user,
        link=call.settings.base_url + users.link_path(token),
        what=what,
        title=f"{what} {user.name}",
    )


def create_user(call: Call) -> Response:
    form: Form = call.body
    if not form.has("name"):
        raise InvalidArgument("a user needs a name")
    user = accounts.add_user(
        call.repo,
        name=form.get("name"),
        role=_role(form),
        organization_id=_organization_admin(call),
        project_id=_project(call, form),
        now=call.now,
    )
    return _link(call, user, "Created user")


def reset_password(call: Call) -> Response:
    user = accounts.new_password(
        call.repo,
        name=call.param("user_name"),
        password_hash=None,
        organization_id=_organization_admin(call),
    )
    return _link(call, user, "Reset the password of")


def delete_user(call: Call) -> Response:
    name = call.param("user_name")
    organization = _organization_admin(call)
    _confirmed(call.body, name)
    if name == call.actor.name:
        raise InvalidArgument("you cannot delete your own user; another admin can")
    accounts.remove_user(call.repo, name=name, organization_id=organization)
    return go_back(call, "/principals", f"Deleted user {name}.")


V, A = Role.VIEWER, Role.ADMIN
PEOPLE_PAGES = [
    Route("GET", PRINCIPALS, people, V, "console.Principals"),
    Route("POST", PRINCIPALS, create_principal, A, "console.CreatePrincipal"),
    Route("POST", PRINCIPAL + "/rotate", rotate_principal, A, "console.RotatePrincipal"),
    Route("POST", PRINCIPAL + "/delete", delete_principal, A, "console.DeletePrincipal"),
    Route("POST", P + "/users", create_user, A, "console.CreateUser"),
    Route("POST", USER + "/reset-password", reset_password, A, "console.ResetUserPassword"),
    Route("POST", USER + "/delete", delete_user, A, "console.DeleteUser"),
]
