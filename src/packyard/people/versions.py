"""`packyard version ...`, `packyard build show` and `packyard sbom ...`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from packyard.people.buckets import Bucket
from packyard.people.client import Json, segment
from packyard.people.errors import ApiError, Refused
from packyard.people.lookup import bucket_path, find_version, version_path
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

version_app = typer.Typer(help="Versions: list, show, diff, delete.", no_args_is_help=True)
build_app = typer.Typer(help="Builds of a version.", no_args_is_help=True)
sbom_app = typer.Typer(help="SBOMs of a build.", no_args_is_help=True)

Version = Annotated[str, typer.Argument(help="Fingerprint, name (v3) or id.", show_default=False)]
BuildId = Annotated[str, typer.Argument(help="The build's id.", show_default=False)]


def status(version: Json) -> str:
    return str(version.get("status", "")).removeprefix("VERSION_")


def revocation(version: Json) -> str:
    if not version.get("revoke_at"):
        return "-"
    state = "revoked" if status(version) == "REVOKED" else "scheduled"
    return f"{state} {short_time(version['revoke_at'])}"


@version_app.command("ls")
@command
def version_ls(bucket: Bucket, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """List a bucket's versions, newest first (incomplete ones too), every page."""
    client = connect(profile)
    newest_first = {"sorting.order_by": "created_at desc"}
    path = bucket_path(client, bucket) + "/versions"
    found = collect(client, path, "versions", "versions", **newest_first)
    if as_json:
        emit_json({"versions": found})
        return
    table(
        ("name", "fingerprint", "status", "builds", "author", "created", "revocation"),
        (
            (
                item.get("name"),
                item.get("fingerprint"),
                status(item),
                len(item.get("builds") or []),
                item.get("author_id"),
                short_time(item.get("created_at")),
                revocation(item),
            )
            for item in found
        ),
    )


@version_app.command("show")
@command
def version_show(
    bucket: Bucket, version: Version, profile: ProfileName = None, as_json: AsJson = False
) -> None:
    """Show a version: status, revocation, parents, and its builds with their artifacts."""
    client = connect(profile)
    found = find_version(client, bucket, version)
    if as_json:
        emit_json(found)
        return
    inherited = found.get("revocation_inherited_from") or {}
    fields(
        [
            ("bucket", found.get("bucket_name")),
            ("name", found.get("name")),
            ("fingerprint", found.get("fingerprint")),
            ("id", found.get("id")),
            ("status", status(found)),
            ("author", found.get("author_id")),
            ("created", short_time(found.get("created_at"))),
            ("revocation", revocation(found)),
            ("reason", found.get("revocation_message")),
            (
                "inherited from",
                f"{inherited.get('bucket_name')} {inherited.get('version_name')}"
                if inherited
                else None,
            ),
            ("parents", (found.get("parents") or {}).get("status")),
        ]
    )
    builds = found.get("builds") or []
    table(
        ("build", "platform", "component", "status", "artifacts"),
        (
            (
                build.get("id"),
                build.get("platform"),
                build.get("component_type"),
                str(build.get("status", "")).removeprefix("BUILD_"),
                [
                    f"{a.get('region')}: {a.get('external_identifier')}"
                    for a in build.get("artifacts") or []
                ],
            )
            for build in builds
        ),
        title="builds",
    )


@version_app.command("diff")
@command
def version_diff(
    bucket: Bucket,
    old: Annotated[str, typer.Argument(help="From: fingerprint or id.", show_default=False)],
    new: Annotated[str, typer.Argument(help="To: fingerprint or id.", show_default=False)],
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """What changed between two versions (the /packyard/v1 extension; not on HCP)."""
    client = connect(profile)
    found = client.get(
        f"{client.extension()}/buckets/{segment(bucket)}/versions/"
        f"{segment(old)}/diff/{segment(new)}"
    )
    if as_json:
        emit_json(found)
        return
    typer.echo(f"{_ref(found.get('from'))} -> {_ref(found.get('to'))}")
    table(
        ("component", "change", "platform", "status", "artifacts", "labels", "parent"),
        (
            (
                item.get("component_type"),
                item.get("change"),
                _pair(item.get("from_platform"), item.get("to_platform")),
                _pair(item.get("from_status"), item.get("to_status")),
                [
                    f"+{a.get('region')}: {a.get('external_identifier')}"
                    for a in item.get("artifacts_added") or []
                ]
                + [
                    f"-{a.get('region')}: {a.get('external_identifier')}"
                    for a in item.get("artifacts_removed") or []
                ],
                _map_diff(item.get("labels")),
                "changed" if item.get("parent_changed") else "",
            )
            for item in found.get("builds") or []
        ),
    )


def _ref(version: Any) -> str:
    version = version or {}
    return f"{version.get('name')} ({version.get('fingerprint')})"


def _pair(old: Any, new: Any) -> str:
    old, new = str(old or "").removeprefix("BUILD_"), str(new or "").removeprefix("BUILD_")
    return old if old == new else f"{old or '-'} -> {new or '-'}"


def _map_diff(diff: Any) -> list[str]:
    diff = diff or {}
    return (
        [f"+{key}={value}" for key, value in sorted((diff.get("added") or {}).items())]
        + [f"-{key}" for key in sorted(diff.get("removed") or {})]
        + [
            f"{key}: {change.get('from')} -> {change.get('to')}"
            for key, change in sorted((diff.get("changed") or {}).items())
        ]
    )


@version_app.command("delete")
@command
def version_delete(
    bucket: Bucket,
    version: Version,
    rollback_channels: Annotated[
        bool, typer.Option(help="Move channels on it back to their previous version.")
    ] = False,
    yes: Yes = False,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Delete a version and its builds."""
    client = connect(profile)
    found = find_version(client, bucket, version)
    confirm(f'Delete version {found.get("name")} ({found["fingerprint"]}) of "{bucket}"?', yes=yes)
    client.request(
        "DELETE",
        version_path(client, bucket, found),
        params={"rollback_channels": "true"} if rollback_channels else None,
    )
    if as_json:
        emit_json({"deleted": found["fingerprint"], "bucket_name": bucket})
        return
    typer.echo(f'deleted version {found.get("name")} ({found["fingerprint"]}) of "{bucket}"')


def _build_path(client: Any, bucket: str, version: str, build_id: str) -> str:
    found = find_version(client, bucket, version)
    return f"{version_path(client, bucket, found)}/builds/{segment(build_id)}"


@build_app.command("show")
@command
def build_show(
    bucket: Bucket,
    version: Version,
    build_id: BuildId,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Show a build: platform, status, labels, and its artifacts per region."""
    client = connect(profile)
    found = client.get(_build_path(client, bucket, version, build_id))["build"]
    if as_json:
        emit_json(found)
        return
    fields(
        [
            ("id", found.get("id")),
            ("platform", found.get("platform")),
            ("component", found.get("component_type")),
            ("status", str(found.get("status", "")).removeprefix("BUILD_")),
            ("labels", found.get("labels")),
            ("source", found.get("source_external_identifier")),
            ("created", short_time(found.get("created_at"))),
        ]
    )
    table(
        ("region", "external identifier", "created"),
        (
            (
                item.get("region"),
                item.get("external_identifier"),
                short_time(item.get("created_at")),
            )
            for item in found.get("artifacts") or []
        ),
        title="artifacts",
    )


@sbom_app.command("ls")
@command
def sbom_ls(
    bucket: Bucket,
    version: Version,
    build_id: BuildId,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """List a build's SBOMs."""
    client = connect(profile)
    found = client.get(_build_path(client, bucket, version, build_id) + "/sboms")
    if as_json:
        emit_json(found)
        return
    table(
        ("name", "format", "id"),
        (
            (
                item.get("name"),
                str(item.get("format", "")).removeprefix("SBOM_FORMAT_"),
                item.get("id"),
            )
            for item in found.get("sboms") or []
        ),
    )


@sbom_app.command("get")
@command
def sbom_get(
    bucket: Bucket,
    version: Version,
    build_id: BuildId,
    name: Annotated[str, typer.Argument(help="The SBOM's name.", show_default=False)],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it here (default: stdout).")
    ] = None,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Download an SBOM (--json prints only its download URL)."""
    client = connect(profile)
    found = client.get(f"{_build_path(client, bucket, version, build_id)}/sboms/{segment(name)}")
    if as_json:
        emit_json(found)
        return
    url = str(found["download_url"])
    headers = {}
    if url.startswith(client.target.api_url + "/"):  # HCP's are presigned elsewhere
        headers["Authorization"] = f"Bearer {client.token()}"
    try:
        response = client.http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise Refused(f"cannot download {url}: {exc}") from None
    if not response.is_success:
        raise ApiError(response.status_code, None, f"the download answered {response.status_code}")
    if output is None:
        sys.stdout.buffer.write(response.content)
        sys.stdout.flush()
        return
    output.write_bytes(response.content)
    typer.echo(f"wrote {len(response.content)} bytes to {output}", err=True)
