"""The people's commands: a registry's buckets, versions, channels and revocations, over HTTP.

They talk to a server (local or remote) through the 2023-01-01 plane, resource-manager and
the /packyard/v1 extension, like gh or kubectl; they never open a store. Where HCP Packer has
the operation, only that operation is used, so the commands work against HCP Packer too.
"""

from __future__ import annotations

import typer

from packyard.people.buckets import ancestry_command, bucket_app
from packyard.people.channels import channel_app, resolve_command
from packyard.people.login import login_command
from packyard.people.revocations import find_command, revocation_app, revoke_command
from packyard.people.versions import build_app, sbom_app, version_app


def register(app: typer.Typer) -> None:
    """Add the people's commands to the `packyard` command."""
    app.command("login")(login_command)
    app.add_typer(bucket_app, name="bucket")
    app.add_typer(version_app, name="version")
    app.add_typer(build_app, name="build")
    app.add_typer(sbom_app, name="sbom")
    app.add_typer(channel_app, name="channel")
    app.command("revoke")(revoke_command)
    app.add_typer(revocation_app, name="revocation")
    app.command("ancestry")(ancestry_command)
    app.command("find")(find_command)
    app.command("resolve")(resolve_command)
