"""The one tenancy check: what belongs to an organization (and project) lies within a
tenancy, organization-wide or of one project, or answers as not there."""

from __future__ import annotations

from packyard.domain.identity import Actor, Role, within


def test_an_organization_wide_tenancy_holds_the_organization_and_each_of_its_projects():
    assert within("org", organization="org")
    assert within("org", "p1", organization="org")
    assert within("org", "p2", organization="org")
    assert not within("other", organization="org")
    assert not within("other", "p1", organization="org")
    assert not within(None, organization="org")  # a project that does not exist


def test_a_project_tenancy_holds_its_organization_and_its_own_project_only():
    assert within("org", organization="org", project="p1")
    assert within("org", "p1", organization="org", project="p1")
    assert not within("org", "p2", organization="org", project="p1")
    assert not within("other", "p1", organization="other-org", project="p1")


def test_an_actor_sees_by_the_same_check():
    bound = Actor("id", "ci", Role.VIEWER, "org", "p1")
    wide = Actor("id", "admin", Role.ADMIN, "org", None)
    for organization, project in [("org", None), ("org", "p1"), ("org", "p2"), ("x", "p1")]:
        assert bound.can_see(organization, project) == within(
            organization, project, organization="org", project="p1"
        )
        assert wide.can_see(organization, project) == within(
            organization, project, organization="org"
        )
