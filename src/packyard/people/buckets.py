"""`packyard bucket ...` and `packyard ancestry`: the 2023-01-01 bucket operations."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from packyard.people.lookup import bucket_path, label_pairs
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
    text,
)

bucket_app = typer.Typer(help="Buckets: list, show, create, delete, label.", no_args_is_help=True)

Bucket = Annotated[str, typer.Argument(help="The bucket's name.", show_default=False)]
Labels = Annotated[list[str] | None, typer.Option("--label", help="KEY=VALUE (repeat for more).")]


def _latest(bucket: dict[str, Any]) -> str:
    latest = bucket.get("latest_version") or {}
    return str(latest.get("name") or "-")


@bucket_app.command("ls")
@command
def bucket_ls(label: Labels = None, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """List the buckets (every page), optionally those with the given labels."""
    wanted = label_pairs(label or [])
    client = connect(profile)
    found = collect(client, client.registry() + "/buckets", "buckets", "buckets")
    found = [
        item
        for item in found
        if all((item.get("labels") or {}).get(key) == value for key, value in wanted.items())
    ]
    if as_json:
        emit_json({"buckets": found})
        return
    table(
        ("name", "latest", "versions", "platforms", "labels", "updated"),
        (
            (
                item["name"],
                _latest(item),
                item.get("version_count", "0"),
                item.get("platforms"),
                item.get("labels"),
                short_time(item.get("updated_at")),
            )
            for item in found
        ),
    )


@bucket_app.command("show")
@command
def bucket_show(bucket: Bucket, profile: ProfileName = None, as_json: AsJson = False) -> None:
    """Show a bucket: description, labels, latest version, platforms, parents and children."""
    client = connect(profile)
    found = client.get(bucket_path(client, bucket))["bucket"]
    if as_json:
        emit_json(found)
        return
    latest = found.get("latest_version") or {}
    fields(
        [
            ("name", found["name"]),
            ("description", found.get("description")),
            ("labels", found.get("labels")),
            (
                "latest version",
                f"{latest.get('name')} ({latest.get('fingerprint')})" if latest else None,
            ),
            ("versions", found.get("version_count", "0")),
            ("platforms", found.get("platforms")),
            ("parents", _status(found.get("parents"))),
            ("children", _status(found.get("children"))),
            ("created", short_time(found.get("created_at"))),
            ("updated", short_time(found.get("updated_at"))),
        ]
    )


def _status(relatives: Any) -> str:
    """BucketParents / BucketChildren: their ancestry status (`packyard ancestry` lists them)."""
    status = str((relatives or {}).get("status") or "")
    return status.removeprefix("ANCESTRY_STATUS_") or "-"


@bucket_app.command("create")
@command
def bucket_create(
    bucket: Bucket,
    description: Annotated[str, typer.Option(help="What the bucket's images are.")] = "",
    label: Labels = None,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Create a bucket."""
    labels = label_pairs(label or [])
    client = connect(profile)
    found = client.request(
        "PUT",
        client.registry() + "/buckets",
        json={"name": bucket, "description": description, "labels": labels},
    )["bucket"]
    if as_json:
        emit_json(found)
        return
    typer.echo(f'created bucket "{found["name"]}"')


@bucket_app.command("delete")
@command
def bucket_delete(
    bucket: Bucket, yes: Yes = False, profile: ProfileName = None, as_json: AsJson = False
) -> None:
    """Delete a bucket with all its versions and channels."""
    client = connect(profile)
    path = bucket_path(client, bucket)
    client.get(path)  # an unknown bucket is not found before anyone is asked
    confirm(f'Delete bucket "{bucket}" with all its versions and channels?', yes=yes)
    client.request("DELETE", path)
    if as_json:
        emit_json({"deleted": bucket})
        return
    typer.echo(f'deleted bucket "{bucket}"')


@bucket_app.command("label")
@command
def bucket_label(
    bucket: Bucket,
    labels: Annotated[
        list[str] | None, typer.Argument(help="KEY=VALUE labels to set.", show_default=False)
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="A label KEY to remove (repeat).")
    ] = None,
    description: Annotated[str | None, typer.Option(help="A new description.")] = None,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Set or remove a bucket's labels (the others stay), or change its description."""
    setting = label_pairs(labels or [])
    if not setting and not remove and description is None:
        raise typer.BadParameter("give KEY=VALUE labels, --remove KEY or --description")
    client = connect(profile)
    path = bucket_path(client, bucket)
    current = client.get(path)["bucket"]
    merged = {**(current.get("labels") or {}), **setting}
    for key in remove or []:
        merged.pop(key, None)
    body: dict[str, Any] = {"labels": merged}
    if description is not None:
        body["description"] = description
    found = client.request("PATCH", path, json=body)["bucket"]
    if as_json:
        emit_json(found)
        return
    typer.echo(f'bucket "{bucket}" labels: {text(merged)}')


_TYPES = {"parents": "ANCESTRY_TYPE_PARENTS", "children": "ANCESTRY_TYPE_CHILDREN"}


@command
def ancestry_command(
    bucket: Bucket,
    relation: Annotated[
        str | None, typer.Option("--type", help="parents or children (default: both).")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Only through this parent channel.")] = None,
    version: Annotated[str | None, typer.Option(help="Only this version's (fingerprint).")] = None,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """A bucket's parents and children, and whether each child is up to date."""
    if relation is not None and relation not in _TYPES:
        raise typer.BadParameter("--type is parents or children")
    client = connect(profile)
    params = {
        "type": _TYPES.get(relation or ""),
        "channel_name": channel,
        "version_fingerprint": version,
    }
    found = collect(
        client,
        bucket_path(client, bucket) + "/ancestry",
        "relations",
        "relations",
        **{key: value for key, value in params.items() if value},
    )
    if as_json:
        emit_json({"relations": found})
        return
    table(
        ("status", "parent", "channel", "child"),
        (
            (
                str(item.get("status", "")).removeprefix("ANCESTRY_STATUS_"),
                _side(item.get("parent")),
                (item.get("parent") or {}).get("channel_name"),
                _side(item.get("child")),
            )
            for item in found
        ),
    )


def _side(side: Any) -> str:
    side = side or {}
    return f"{side.get('bucket_name', '')} {side.get('version_name', '')}".strip()
