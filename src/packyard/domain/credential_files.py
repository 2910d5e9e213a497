"""The credential files hcp-sdk-go reads (HCP_CRED_FILE) for workload identity federation:
scheme `workload`, the provider to exchange with, and where the CI token comes from."""

from __future__ import annotations

from urllib.parse import quote

from packyard.errors import InvalidArgument

SOURCES = ("github", "gitlab", "file")
GITLAB_VARIABLE = "HCP_WORKLOAD_TOKEN"
"""The variable a GitLab job's `id_tokens:` names for the token, by default."""


def credential_file(
    resource_name: str,
    source: str,
    *,
    project_id: str = "",
    token_file: str = "",
    variable: str = GITLAB_VARIABLE,
    request_url: str = "",
    request_token: str = "",
) -> dict[str, object]:
    """The file's JSON. GitHub Actions hands out its token at a URL (the job's
    ACTIONS_ID_TOKEN_REQUEST_URL, with its request token as bearer, the audience the provider's
    resource name) as JSON whose `value` is the token; GitLab CI puts it in a variable; a
    file source reads it as text."""
    workload: dict[str, object] = {"provider_resource_name": resource_name}
    if source == "github":
        if not request_url or not request_token:
            raise InvalidArgument(
                "GitHub Actions gives the token only to a job with `permissions: id-token: "
                "write` (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN unset)"
            )
        separator = "&" if "?" in request_url else "?"
        workload["url"] = {
            "url": f"{request_url}{separator}audience={quote(resource_name, safe='')}",
            "headers": {"Authorization": f"Bearer {request_token}"},
            "format_type": "json",
            "subject_cred_pointer": "/value",
        }
    elif source == "gitlab":
        workload["env"] = {"var": variable}
    elif source == "file":
        if not token_file:
            raise InvalidArgument("a file source needs --token-file")
        workload["file"] = {"path": token_file}
    else:
        raise InvalidArgument(f'unknown source "{source}": use one of {", ".join(SOURCES)}')
    found: dict[str, object] = {"scheme": "workload", "workload": workload}
    if project_id:
        found["project_id"] = project_id
    return found
