"""The conditional access language (HCP's go-bexpr statements over jwt_claims.*): what it
admits, what it refuses, and that a malformed statement is refused with where it is wrong."""

from __future__ import annotations

import pytest

from packyard.domain.conditions import parse, verdict
from packyard.errors import InvalidArgument

CLAIMS = {
    "sub": "repo:acme/app:ref:refs/heads/main",
    "repository": "acme/app",
    "ref": "refs/heads/main",
    "run_attempt": 2,
    "environment": "",
    "groups": ["ci", "deploy"],
    "fork": False,
    "nested": {"team": "infra"},
}


@pytest.mark.parametrize(
    ("statement", "admitted"),
    [
        ('jwt_claims.repository == "acme/app"', True),
        ('jwt_claims.repository == "acme/other"', False),
        ('jwt_claims.repository != "acme/other"', True),
        ('jwt_claims.repository != "acme/app"', False),
        ('"deploy" in jwt_claims.groups', True),
        ('"admin" in jwt_claims.groups', False),
        ('"admin" not in jwt_claims.groups', True),
        ('"deploy" not in jwt_claims.groups', False),
        ('"acme" in jwt_claims.repository', True),
        ('jwt_claims.groups contains "ci"', True),
        ('jwt_claims.groups not contains "ci"', False),
        ('jwt_claims.sub matches "^repo:acme/.*:ref:refs/heads/main$"', True),
        ('jwt_claims.sub matches "heads/main"', True),  # anywhere, as Go's MatchString
        ('jwt_claims.sub matches "^acme"', False),
        ('jwt_claims.sub not matches "^repo:evil/"', True),
        ('jwt_claims.sub not matches "acme"', False),
        ("jwt_claims.environment is empty", True),
        ("jwt_claims.environment is not empty", False),
        ("jwt_claims.groups is not empty", True),
        ("jwt_claims.run_attempt == 2", True),
        ('jwt_claims.run_attempt == "3"', False),
        ("jwt_claims.fork == false", True),
        ('jwt_claims.nested.team == "infra"', True),
        ('jwt_claims.repository == "acme/app" and jwt_claims.ref == "refs/heads/main"', True),
        ('jwt_claims.repository == "acme/app" and jwt_claims.ref == "refs/heads/dev"', False),
        ('jwt_claims.repository == "x" or jwt_claims.ref == "refs/heads/main"', True),
        ('jwt_claims.repository == "x" or jwt_claims.ref == "y"', False),
        ('not jwt_claims.repository == "x"', True),
        ('not (jwt_claims.repository == "acme/app")', False),
        # and binds tighter than or
        ('jwt_claims.ref == "y" and jwt_claims.ref == "z" or jwt_claims.fork == false', True),
        ('jwt_claims.ref == "y" and (jwt_claims.ref == "z" or jwt_claims.fork == false)', False),
        ("jwt_claims.repository == `acme/app`", True),
        (r'jwt_claims.repository == "acme\/app"', True),
        # a claim the token lacks makes the statement false, whatever the operator
        ('jwt_claims.missing != "x"', False),
        ('jwt_claims.missing == "x" or jwt_claims.fork == false', False),
        ('jwt_claims.nested.absent == "x"', False),
    ],
)
def test_statements_admit_the_claims_they_describe(statement: str, admitted: bool) -> None:
    assert verdict(statement, CLAIMS)[0] is admitted


def test_a_missing_claim_is_named_in_the_refusal() -> None:
    assert verdict('jwt_claims.workflow == "ci"', CLAIMS) == (
        False,
        "the token has no claim jwt_claims.workflow",
    )


@pytest.mark.parametrize(
    ("statement", "says"),
    [
        ("", "required"),
        ("   ", "required"),
        ('sub == "x"', "selector"),
        ('jwt_claims.sub = "x"', "unexpected character"),
        ('jwt_claims.sub == "x" and', "selector"),
        ('(jwt_claims.sub == "x"', '")"'),
        ('jwt_claims.sub == "x")', "the end"),
        ('jwt_claims.sub == "unterminated', "unexpected character"),
        ('jwt_claims.sub matches "("', "not a regexp"),
        ('"x" jwt_claims.groups', '"in"'),
        ("jwt_claims.sub is full", '"empty"'),
        ('jwt_claims.sub == "x" jwt_claims.ref == "y"', '"and", "or"'),
        ("jwt_claims.sub ==", "a value"),
        ("x" * 5000, "longer than"),
    ],
)
def test_malformed_statements_are_refused_saying_why(statement: str, says: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        parse(statement)
    assert says in refused.value.message
