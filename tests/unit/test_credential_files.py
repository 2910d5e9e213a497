"""The credential files `packyard ci cred-file` writes, in hcp-sdk-go's format."""

from __future__ import annotations

import pytest

from packyard.domain.credential_files import credential_file
from packyard.errors import InvalidArgument

NAME = "iam/project/p1/service-principal/ci/workload-identity-provider/github"


def test_github_actions_reads_the_token_at_its_request_url_for_the_provider() -> None:
    found = credential_file(
        NAME, "github", project_id="p1", request_url="https://gh/token?x=1", request_token="t"
    )
    assert found == {
        "scheme": "workload",
        "project_id": "p1",
        "workload": {
            "provider_resource_name": NAME,
            "url": {
                "url": "https://gh/token?x=1&audience=iam%2Fproject%2Fp1%2Fservice-principal"
                "%2Fci%2Fworkload-identity-provider%2Fgithub",
                "headers": {"Authorization": "Bearer t"},
                "format_type": "json",
                "subject_cred_pointer": "/value",
            },
        },
    }


def test_gitlab_and_file_sources() -> None:
    assert credential_file(NAME, "gitlab")["workload"] == {
        "provider_resource_name": NAME,
        "env": {"var": "HCP_WORKLOAD_TOKEN"},
    }
    assert credential_file(NAME, "file", token_file="/run/token")["workload"] == {
        "provider_resource_name": NAME,
        "file": {"path": "/run/token"},
    }


@pytest.mark.parametrize(
    ("source", "says"),
    [("github", "id-token: write"), ("file", "--token-file"), ("jenkins", "unknown source")],
)
def test_a_source_without_what_it_needs_is_refused(source: str, says: str) -> None:
    with pytest.raises(InvalidArgument, match=says):
        credential_file(NAME, source)
