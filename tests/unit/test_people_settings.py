"""Where the people's commands point, from the HCP_* variables, and the exit code of each
API error (the live tests in tests/cli/ run the commands themselves)."""

from __future__ import annotations

import pytest

from packyard.people.errors import ApiError, Usage
from packyard.people.settings import check_url, from_environment


def test_the_hcp_variables_as_the_sdk_reads_them():
    target = from_environment(
        {
            "HCP_API_ADDRESS": "10.0.0.1:8443",
            "HCP_AUTH_URL": "https://10.0.0.1:8443/",
            "HCP_CLIENT_ID": "id",
            "HCP_CLIENT_SECRET": "secret",
            "SSL_CERT_FILE": "/ca.pem",
        }
    )
    assert (target.api_url, target.auth_url, target.verify) == (
        "https://10.0.0.1:8443",
        "https://10.0.0.1:8443",
        "/ca.pem",
    )
    host = from_environment({"HCP_API_ADDRESS": "a:1", "HCP_API_HOST": "b:2"})
    assert host.api_url == "https://b:2"
    assert from_environment({"HCP_API_TLS": "disabled", "HCP_API_ADDRESS": "a:1"}).api_url == (
        "http://a:1"
    )
    assert from_environment({"HCP_API_TLS": "insecure"}).verify is False
    hcp = from_environment({})
    assert (hcp.api_url, hcp.auth_url) == (
        "https://api.cloud.hashicorp.com",
        "https://auth.idp.hashicorp.com",
    )
    with pytest.raises(Usage):
        from_environment({"HCP_API_TLS": "yes"})


def test_login_urls():
    assert check_url("https://h:8443/") == "https://h:8443"
    assert check_url("h:8443") == "https://h:8443"
    for bad in ("ftp://h", "https://h/path", "https://", "https://h?x=1"):
        with pytest.raises(Usage):
            check_url(bad)


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (400, 3, 2),  # InvalidArgument: usage
        (404, 5, 3),  # NotFound
        (409, 6, 4),  # AlreadyExists: conflict
        (400, 9, 4),  # FailedPrecondition (revoked already): conflict
        (409, 10, 4),  # Aborted
        (403, 7, 1),  # PermissionDenied: refused
        (401, 16, 1),
        (500, 13, 1),
        (404, None, 3),  # no error body: by the HTTP status
        (502, None, 1),
    ],
)
def test_exit_codes_of_api_errors(status, code, exit_code):
    assert ApiError(status, code, "m").exit_code == exit_code
