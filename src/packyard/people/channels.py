"""`packyard channel ...` and `packyard resolve`: the 2023-01-01 channel operations."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from packyard.people.buckets import Bucket
from packyard.people.client import Client, Json, segment
from packyard.people.errors import NotFound, Usage
from packyard.people.lookup import bucket_path, find_version
from packyard.people.output import (
    AsJson,
    ProfileName,
    Yes,
    collect,
    command,
    confirm,
    connect,
    emit_json,
    fields,
    short_time,
    table,
)
from packyard.people.versions import Version, status

channel_app = typer.Typer(
    help="Channels: list, create, assign, promote, history, access, delete.", no_args_is_help=True
)
Channel = Annotated[str, typer.Argument(help="The channel's name.", show_default=False)]


def channel_path(client: Client, bucket: str, channel: str) -> str:
    return f"{bucket_path(client, bucket)}/channels/{segment(channel)}"


def _version_text(version: Json | None) -> str:
    if not version:
        return "-"
    return f"{version.get('name')} ({version.get('fingerprint')})"


def _print_channel(found: Json, as_json: bool, done: str = "") -> None:
    if as_json:
        emit_json(found)
        return
    if done:
        typer.echo(done)
        return
    fields(
        [
            ("name", found.get("name")),
            ("bucket", found.get("bucket_name")),
            ("version", _version_text(found.get("version"))),
            ("restricted", bool(found.get("restricted"))),
            ("managed", bool(found.get("managed"))),
            ("updated", short_time(found.get("updated_at"))),
        ]
    )


@channel_app.command("ls")
@command
def channel_ls(bucket: Bucket, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """List a bucket's channels and the version each one serves."""
    client = connect(profile)
    found = client.get(bucket_path(client, bucket) + "/channels").get("channels") or []
    if as_json:
        emit_json({"channels": found})
        return
    table(
        ("name", "version", "restricted", "managed", "updated"),
        (
            (
                item.get("name"),
                _version_text(item.get("version")),
                bool(item.get("restricted")),
                bool(item.get("managed")),
                short_time(item.get("updated_at")),
            )
            for item in found
        ),
    )


@channel_app.command("create")
@command
def channel_create(
    bucket: Bucket,
    channel: Channel,
    version: Annotated[
        str | None, typer.Option(help="The version it serves (fingerprint, name or id).")
    ] = None,
    restricted: Annotated[
        bool, typer.Option(help="Only admins may read it (and only they see it served).")
    ] = False,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Create a channel, serving a version or none yet."""
    client = connect(profile)
    body: dict[str, Any] = {"name": channel, "restricted": restricted}
    if version is not None:
        body["version_fingerprint"] = find_version(client, bucket, version)["fingerprint"]
    found = client.request("POST", bucket_path(client, bucket) + "/channels", json=body)["channel"]
    _print_channel(
        found,
        as_json,
        f'created channel "{channel}" on "{bucket}" serving {_version_text(found.get("version"))}',
    )


@channel_app.command("assign")
@command
def channel_assign(
    bucket: Bucket,
    channel: Channel,
    version: Version,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Make a channel serve a version."""
    client = connect(profile)
    fingerprint = find_version(client, bucket, version)["fingerprint"]
    found = client.request(
        "PATCH",
        channel_path(client, bucket, channel),
        json={"version_fingerprint": fingerprint, "update_mask": "versionFingerprint"},
    )["channel"]
    _print_channel(found, as_json, f'"{channel}" now serves {_version_text(found.get("version"))}')


@channel_app.command("promote")
@command
def channel_promote(
    bucket: Bucket,
    source: Annotated[str, typer.Option("--from", help="The channel to copy from.")],
    target: Annotated[str, typer.Option("--to", help="The channel to promote to.")],
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Make one channel serve what another serves (e.g. --from staging --to production)."""
    client = connect(profile)
    found = client.request(
        "POST",
        bucket_path(client, bucket) + "/channels/assign",
        json={"source_channel": source, "target_channel": target},
    )
    if as_json:
        emit_json(found)
        return
    typer.echo(f'"{target}" now serves {_version_text(found.get("version"))} (from "{source}")')


@channel_app.command("history")
@command
def channel_history(
    bucket: Bucket,
    channel: Channel,
    why: Annotated[
        bool,
        typer.Option(
            "--why",
            help="Also say what each move came from and why (manual, rollback, completed, "
            "created, deleted): Packyard's /packyard/v1 history, which HCP Packer lacks.",
        ),
    ] = False,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Every version the channel served: when, by whom, newest first."""
    client = connect(profile)
    found = _history(client, bucket, channel, why=why)
    if as_json:
        emit_json({"history": found})
        return
    reasons = ("from", "why") if why else ()
    table(
        ("assigned", "version", *reasons, "author"),
        (
            (
                short_time(item.get("assigned_at")),
                _version_text(item.get("version")),
                *(_moved_from_and_why(item) if why else ()),
                item.get("author_id"),
            )
            for item in found
        ),
    )


def _moved_from_and_why(item: Json) -> tuple[str, str]:
    return (item.get("from_version") or {}).get("name") or "-", item.get("reason") or "-"


def _history(client: Client, bucket: str, channel: str, *, why: bool) -> list[Any]:
    """HCP Packer's ListChannelAssignmentHistory; with `why`, Packyard's own history, which
    also says what each move came from and why it was made."""
    if why:
        where = f"/buckets/{segment(bucket)}/channels/{segment(channel)}/history"
        return collect(client, client.extension() + where, "history", "assignments")
    return collect(
        client, channel_path(client, bucket, channel) + "/history", "history", "assignments"
    )


@channel_app.command("access")
@command
def channel_access(
    bucket: Bucket,
    channel: Channel,
    restricted: Annotated[
        bool,
        typer.Option(
            "--restricted/--unrestricted", help="Who may read the channel.", show_default=False
        ),
    ],
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Restrict a channel to admins, or open it to every reader."""
    client = connect(profile)
    found = client.request(
        "PATCH",
        channel_path(client, bucket, channel),
        json={"restricted": restricted, "update_mask": "restricted"},
    )["channel"]
    _print_channel(
        found, as_json, f'"{channel}" is {"restricted" if restricted else "unrestricted"}'
    )


@channel_app.command("delete")
@command
def channel_delete(
    bucket: Bucket,
    channel: Channel,
    yes: Yes = False,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Delete a channel."""
    client = connect(profile)
    path = channel_path(client, bucket, channel)
    client.get(path)
    confirm(f'Delete channel "{channel}" of "{bucket}"?', yes=yes)
    client.request("DELETE", path)
    if as_json:
        emit_json({"deleted": channel, "bucket_name": bucket})
        return
    typer.echo(f'deleted channel "{channel}" of "{bucket}"')


@command
def resolve_command(
    bucket: Bucket,
    channel: Channel,
    platform: Annotated[str, typer.Option(help="e.g. aws, gce, azure, docker.")],
    region: Annotated[str, typer.Option(help="e.g. us-east-1.")],
    exclude_revoked: Annotated[
        bool, typer.Option(help="Fail if the channel's version is revoked.")
    ] = False,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """The artifact a channel serves for a platform and region, as Terraform reads it."""
    if not platform.strip() or not region.strip():
        raise Usage("--platform and --region may not be empty")
    client = connect(profile)
    found = client.get(channel_path(client, bucket, channel))["channel"]
    version = found.get("version")
    if not version:
        raise NotFound(f'channel "{channel}" of "{bucket}" serves no version')
    if exclude_revoked and status(version) == "REVOKED":
        raise NotFound(f'channel "{channel}" serves {version.get("name")}, which is revoked')
    for build in version.get("builds") or []:
        if build.get("platform") != platform:
            continue
        for artifact in build.get("artifacts") or []:
            if artifact.get("region") == region:
                answer = {
                    "bucket_name": bucket,
                    "channel_name": channel,
                    "version_id": version.get("id"),
                    "version_fingerprint": version.get("fingerprint"),
                    "version_name": version.get("name"),
                    "revoked": status(version) == "REVOKED",
                    "build_id": build.get("id"),
                    "component_type": build.get("component_type"),
                    "platform": platform,
                    "region": region,
                    "external_identifier": artifact.get("external_identifier"),
                }
                if as_json:
                    emit_json(answer)
                else:
                    typer.echo(str(artifact.get("external_identifier")))
                return
    raise NotFound(f'{version.get("name")} on "{channel}" has no {platform} artifact in {region}')
