"""The accounts use cases an organization-wide admin calls: users, their sessions and the
audit trail, each in one unit of work; a caller bound to one project is refused them all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from packyard.auth import sessions
from packyard.config import SessionSettings
from packyard.domain.identity import Actor, Role
from packyard.errors import InvalidArgument, NotFound, PermissionDenied
from packyard.ids import utcnow
from packyard.services import accounts, tenants
from packyard.services.audit_trail import AuditQuery
from tests.services.conftest import Registry

SETTINGS = SessionSettings()


def test_an_organization_wide_admin_manages_a_user_and_its_sessions(registry: Registry):
    admin, now = registry.admin, utcnow()
    with registry.work() as work:
        made = accounts.create_user(
            work,
            admin,
            name="ada",
            role="Contributor",
            project_id=None,
            password_hash=None,
            now=now,
            link_seconds=600,
        )
        assert made.user.role is Role.CONTRIBUTOR and not made.user.has_password
        assert made.link_token  # no password given: a one-time link to choose one
        assert accounts.linked_user(work, made.link_token, now).name == "ada"
        sessions.start(
            work.accounts,
            principal_id=made.user.principal_id,
            generation=1,
            now=now,
            settings=SETTINGS,
            source="127.0.0.1",
            user_agent="test",
        )
    with registry.work(write=False) as work:
        found_users = accounts.list_users(work, admin, now=now)
        listed = {item.user.name: item.sessions for item in found_users}
        assert listed["ada"] == 1
        assert accounts.get_user(work, admin, "ada", now=now).sessions == 1
        found = accounts.user_sessions(work, admin, "ada", now=now, settings=SETTINGS)
        assert [item.source for item in found] == ["127.0.0.1"]
        later = now + timedelta(seconds=SETTINGS.idle_seconds + 1)  # idle too long: not live
        assert accounts.user_sessions(work, admin, "ada", now=later, settings=SETTINGS) == []
    with registry.work() as work:
        reset = accounts.reset_password(
            work, admin, "ada", password_hash="$argon2id$hash", now=now, link_seconds=600
        )
        assert reset.user.has_password and reset.link_token is None
        assert accounts.get_user(work, admin, "ada", now=now).sessions == 0  # reset ends them
        accounts.end_sessions(work, admin, "ada")
        accounts.delete_user(work, admin, "ada")
        with pytest.raises(NotFound):
            accounts.get_user(work, admin, "ada", now=now)


def test_a_caller_bound_to_one_project_is_refused_every_accounts_use_case(registry: Registry):
    now = utcnow()
    with registry.work() as work:
        key = tenants.PrincipalKey("bound-admin-id", "", "!")
        made = tenants.create_principal(
            work,
            name="project-admin",
            role=Role.ADMIN,
            organization_id=registry.scope.organization_id,
            project_id=registry.scope.project_id,
            key=key,
            now=now,
        )
    bound = Actor(made.principal_id, made.name, Role.ADMIN, made.organization_id, made.project_id)
    with registry.work() as work:
        for attempt in (
            lambda: accounts.list_users(work, bound, now=now),
            lambda: accounts.get_user(work, bound, "administrator", now=now),
            lambda: accounts.end_sessions(work, bound, "administrator"),
            lambda: accounts.delete_user(work, bound, "administrator"),
            lambda: accounts.audit_events(work, bound, AuditQuery()),
            lambda: accounts.create_user(
                work,
                bound,
                name="eve",
                role="admin",
                project_id=None,
                password_hash=None,
                now=now,
                link_seconds=60,
            ),
        ):
            with pytest.raises(PermissionDenied, match="organization-wide admin"):
                attempt()


def test_a_user_of_another_organization_is_not_found_and_bad_input_is_refused(
    registry: Registry,
):
    admin, now = registry.admin, utcnow()
    stranger = Actor("x", "stranger", Role.ADMIN, "another-organization", None)
    with registry.work() as work:
        accounts.create_user(
            work,
            admin,
            name="bob",
            role="viewer",
            project_id=None,
            password_hash="$argon2id$hash",
            now=now,
            link_seconds=60,
        )
        with pytest.raises(NotFound):
            accounts.get_user(work, stranger, "bob", now=now)
        with pytest.raises(InvalidArgument, match="role must be"):
            accounts.create_user(
                work,
                admin,
                name="carol",
                role="owner",
                project_id=None,
                password_hash=None,
                now=now,
                link_seconds=60,
            )
        with pytest.raises(InvalidArgument, match="your own user"):
            accounts.delete_user(work, admin, admin.name)
        events, _ = accounts.audit_events(work, admin, AuditQuery(page_size=5))
        assert isinstance(events, list)


def test_a_user_made_for_single_sign_on_is_found_by_its_subject(registry: Registry):
    with registry.work() as work:
        user = accounts.add_user(
            work,
            name="sso-person",
            role=Role.VIEWER,
            organization_id=registry.scope.organization_id,
            project_id=registry.scope.project_id,
            now=utcnow(),
            sso=("https://issuer.example", "subject-1"),
        )
        assert user.sso_subject == "subject-1" and not user.has_password
        row = work.accounts.user_by_subject("https://issuer.example", "subject-1")
        assert row is not None and row.name == "sso-person"
        assert work.tenants.principal_by_id(user.principal_id).secret_hash == accounts.NO_KEY
