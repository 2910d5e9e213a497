"""Single sign-on's settings and its mapping of a provider's claims to a name and a role."""

from __future__ import annotations

import pytest

from packyard.auth.sso import name_for, role_for
from packyard.config import OidcSettings, SettingsError
from packyard.domain.identity import Role
from packyard.errors import PermissionDenied

ISSUER = "https://id.example.test/"


def settings(**env: str) -> OidcSettings:
    base = {"PACKYARD_OIDC_ISSUER": ISSUER, "PACKYARD_OIDC_CLIENT_ID": "packyard"}
    return OidcSettings.from_env({**base, **{"PACKYARD_OIDC_" + k: v for k, v in env.items()}})


def test_groups_map_to_the_highest_role():
    chosen = settings(ROLES="devs=contributor, ops=admin,all=viewer")
    assert role_for({"groups": ["all", "devs"]}, chosen) is Role.CONTRIBUTOR
    assert role_for({"groups": ["ops", "all", "devs"]}, chosen) is Role.ADMIN
    assert role_for({"groups": "all"}, chosen) is Role.VIEWER


def test_a_dotted_claim_reaches_into_an_object():
    chosen = settings(ROLE_CLAIM="realm_access.roles", ROLES="registry-admin=admin")
    claims = {"realm_access": {"roles": ["offline", "registry-admin"]}}
    assert role_for(claims, chosen) is Role.ADMIN
    assert role_for({"realm_access.roles": ["registry-admin"]}, chosen) is Role.ADMIN


def test_no_mapped_value_takes_the_default_role_or_is_refused():
    assert role_for({"groups": ["x"]}, settings(DEFAULT_ROLE="viewer")) is Role.VIEWER
    with pytest.raises(PermissionDenied, match="groups claim holds x, y"):
        role_for({"groups": ["y", "x", 3]}, settings(ROLES="devs=contributor"))
    with pytest.raises(PermissionDenied, match="holds nothing"):
        role_for({}, settings())


def test_the_name_comes_from_the_name_claim_then_email_then_subject():
    chosen = settings(NAME_CLAIM="upn")
    assert name_for({"upn": "a@corp", "email": "b@corp", "sub": "1"}, chosen) == "a@corp"
    assert name_for({"email": "b@corp", "sub": "1"}, chosen) == "b@corp"
    assert name_for({"sub": "1"}, chosen) == "1"


def test_settings_round_trip_and_bad_ones_are_refused():
    chosen = settings(ROLES="a=viewer,b=admin", DEFAULT_ROLE="Viewer", PROJECT="p")
    again = OidcSettings.from_env({"PACKYARD_" + k: v for k, v in chosen.to_env().items()})
    assert again == chosen and chosen.default_role == "viewer"
    assert OidcSettings.from_env({}).issuer == ""  # off unless an issuer is set
    for env, message in (
        ({"ROLES": "devs=boss"}, "not viewer, contributor or admin"),
        ({"ROLES": "devs"}, "not <claim value>=<role>"),
        ({"DEFAULT_ROLE": "root"}, "not viewer, contributor or admin"),
        ({"SCOPES": "profile email"}, "must include openid"),
    ):
        with pytest.raises(SettingsError, match=message):
            settings(**env)
    with pytest.raises(SettingsError, match="OIDC_CLIENT_ID"):
        OidcSettings.from_env({"PACKYARD_OIDC_ISSUER": ISSUER})
