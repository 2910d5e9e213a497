"""`packyard login`: check a key against a server and store it as a profile."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from packyard.people.client import RESOURCE_MANAGER, Client, segment
from packyard.people.errors import Usage
from packyard.people.output import AsJson, command, emit_json
from packyard.people.settings import DEFAULT_PROFILE, Target, check_url, save_profile


@command
def login_command(
    url: Annotated[str, typer.Option(help="The server, e.g. https://packyard.example.com:8443.")],
    client_id: Annotated[str, typer.Option(prompt=True, help="The key's client id.")],
    client_secret: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="The key's secret (prompted).")
    ],
    organization: Annotated[
        str | None, typer.Option(help="Organization id (default: the only one the key sees).")
    ] = None,
    project: Annotated[
        str | None, typer.Option(help="Project id (default: the only one the key sees).")
    ] = None,
    ca_file: Annotated[
        str | None,
        typer.Option(help="PEM CA to verify the server by (default: the system's roots)."),
    ] = None,
    profile: Annotated[str, typer.Option(help="Store it under this name.")] = DEFAULT_PROFILE,
    as_json: AsJson = False,
) -> None:
    """Check a key against a server and keep it as a profile (an owner-only file)."""
    server = check_url(url)
    if not client_id.strip() or not client_secret.strip():
        raise Usage("--client-id and --client-secret may not be empty")
    if not profile.strip():
        raise Usage("--profile may not be empty")
    target = Target(
        api_url=server,
        auth_url=server,
        client_id=client_id.strip(),
        client_secret=client_secret.strip(),
        organization_id=organization or "",
        project_id=project or "",
        ca_file=str(Path(ca_file).expanduser().resolve()) if ca_file else "",
    )
    client = Client(target)
    try:
        client.token(fresh=True)  # a bad key or an untrusted server is refused here
        organization_id, project_id = client.location()
        client.get(f"{RESOURCE_MANAGER}/projects/{segment(project_id)}")  # it is theirs
    finally:
        client.close()
    path = save_profile(
        profile, replace(target, organization_id=organization_id, project_id=project_id)
    )
    summary = {
        "profile": profile,
        "url": server,
        "client_id": target.client_id,
        "organization_id": organization_id,
        "project_id": project_id,
        "file": str(path),
    }
    if as_json:
        emit_json(summary)
        return
    typer.echo(
        f"logged in to {server} as {target.client_id} (project {project_id}); "
        f'profile "{profile}" stored in {path}'
    )
