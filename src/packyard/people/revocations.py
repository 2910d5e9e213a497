"""`packyard revoke`, `packyard revocation restore|cancel` and `packyard find`.

Revoking, restoring and cancelling are HCP's UpdateVersion; the preview (`revoke --dry-run`)
and `find` are the /packyard/v1 extension. Every version is looked up and checked before the
first one is changed, so bad input changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from packyard.domain.registry import parse_duration
from packyard.errors import InvalidArgument
from packyard.people.buckets import Bucket
from packyard.people.client import Client, Json, segment
from packyard.people.errors import Conflict, NotFound, Usage
from packyard.people.lookup import find_version, version_path
from packyard.people.output import (
    AsJson,
    ProfileName,
    Yes,
    command,
    confirm,
    connect,
    emit_json,
    progress,
    short_time,
    table,
)
from packyard.people.versions import revocation, status

revocation_app = typer.Typer(
    help="Restore revoked versions, or cancel a scheduled revocation.", no_args_is_help=True
)
Versions = Annotated[
    list[str], typer.Argument(help="Fingerprints, names (v3) or ids.", show_default=False)
]


def _moment(at: str | None, within: str | None) -> tuple[datetime, Json]:
    """When the revocation takes effect, and the UpdateVersion fields that say so."""
    if at is not None and within is not None:
        raise Usage("give --at or --in, not both")
    now = datetime.now(UTC)
    if within is not None:
        try:
            return now + parse_duration(within), {"revoke_in": within.strip()}
        except InvalidArgument as exc:
            raise Usage(f"--in: {exc}") from None
    if at is None:
        return now, {"revoke_at": now.isoformat().replace("+00:00", "Z")}
    try:
        moment = datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Usage(f'--at "{at}" is not an RFC 3339 time such as 2030-01-31T12:00:00Z') from None
    if moment.tzinfo is None:
        raise Usage(f'--at "{at}" has no time zone; end it with Z or an offset such as +02:00')
    return moment, {"revoke_at": moment.astimezone(UTC).isoformat().replace("+00:00", "Z")}


def _versions(client: Client, bucket: str, refs: list[str]) -> list[Json]:
    found: list[Json] = []
    with progress("looking up versions", len(refs)) as advance:
        for ref in refs:
            version = find_version(client, bucket, ref)
            if all(item["id"] != version["id"] for item in found):
                found.append(version)
            advance(1)
    return found


def _label(version: Json) -> str:
    return f"{version.get('name')} ({version.get('fingerprint')})"


def _change(client: Client, bucket: str, versions: list[Json], body: Json, what: str) -> list[Json]:
    changed = []
    with progress(what, len(versions)) as advance:
        for version in versions:
            answer = client.request("PATCH", version_path(client, bucket, version), json=body)
            changed.append(answer["version"])
            advance(1)
    return changed


def _print_versions(changed: list[Json], as_json: bool) -> None:
    if as_json:
        emit_json({"versions": changed})
        return
    table(
        ("name", "fingerprint", "status", "revocation", "reason"),
        (
            (
                item.get("name"),
                item.get("fingerprint"),
                status(item),
                revocation(item),
                item.get("revocation_message"),
            )
            for item in changed
        ),
    )


@command
def revoke_command(
    bucket: Bucket,
    versions: Versions,
    at: Annotated[str | None, typer.Option("--at", help="When, RFC 3339 (default: now).")] = None,
    within: Annotated[
        str | None, typer.Option("--in", help='After a while, e.g. "30d" or "2h45m".')
    ] = None,
    reason: Annotated[str, typer.Option(help="Why (shown to whoever reads it).")] = "",
    no_descendants: Annotated[
        bool, typer.Option("--no-descendants", help="Do not revoke versions built from it.")
    ] = False,
    no_rollback: Annotated[
        bool, typer.Option("--no-rollback", help="Leave channels on it where they are.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would happen; change nothing.")
    ] = False,
    yes: Yes = False,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Revoke versions now, at a time or after a while; --dry-run previews it."""
    moment, when = _moment(at, within)
    client = connect(profile)
    found = _versions(client, bucket, versions)
    if dry_run:
        plan = {
            "versions": [version["fingerprint"] for version in found],
            "revoke_at": when.get("revoke_at") if at is not None else None,  # None: now
            "revoke_in": when.get("revoke_in"),
            "skip_descendants_revocation": no_descendants,
            "rollback_channels": not no_rollback,
            "reason": reason,
        }
        _preview(client, bucket, plan, as_json)
        return
    for version in found:
        if status(version) == "REVOKED":
            raise Conflict(f"{_label(version)} is revoked already; restore it first")
    names = ", ".join(_label(version) for version in found)
    confirm(f'Revoke {names} of "{bucket}" ({short_time(moment.isoformat())} UTC)?', yes=yes)
    body = {
        **when,
        "revocation_message": reason,
        "skip_descendants_revocation": no_descendants,
        "disable_rollback_channels": no_rollback,
    }
    _print_versions(_change(client, bucket, found, body, "revoking"), as_json)


def _preview(client: Client, bucket: str, plan: Json, as_json: bool) -> None:
    """What the revoke would do, as the server plans it (the /packyard/v1 preview)."""
    answer = client.request(
        "POST",
        f"{client.extension()}/buckets/{segment(bucket)}/revocation-preview",
        json={key: value for key, value in plan.items() if value is not None},
    )
    if as_json:
        emit_json(answer)
        return
    typer.echo("Nothing was changed. Revoking would:")
    table(
        ("bucket", "version", "fingerprint", "how", "at"),
        (
            (
                item.get("bucket_name"),
                item.get("name"),
                item.get("fingerprint"),
                "inherited" if item.get("inherited") else "revoked",
                short_time(item.get("revoke_at")),
            )
            for item in answer.get("revoked_versions") or []
        ),
        title="revoke these versions",
    )
    table(
        ("bucket", "channel", "from", "to"),
        (
            (
                item.get("bucket_name"),
                item.get("channel_name"),
                _short(item.get("from_version")),
                _short(item.get("to_version")) or "(nothing)",
            )
            for item in answer.get("channel_moves") or []
        ),
        title="move these channels",
    )
    table(
        ("bucket", "version", "parent bucket", "parent channel"),
        (
            (
                item.get("bucket_name"),
                item.get("name"),
                item.get("parent_bucket_name"),
                item.get("parent_channel_name"),
            )
            for item in answer.get("out_of_date_children") or []
        ),
        title="leave these children OUT_OF_DATE",
    )


def _short(version: Any) -> str:
    return str(version.get("name") or version.get("fingerprint")) if version else ""


def _restore(
    profile: str | None,
    bucket: str,
    refs: list[str],
    as_json: bool,
    what: str,
    refusal: Callable[[Json], str | None],
) -> None:
    """Look the versions up, refuse if any may not be restored, then restore them all."""
    client = connect(profile)
    found = _versions(client, bucket, refs)
    for version in found:
        reason = refusal(version)
        if reason:
            raise Conflict(f"{_label(version)} {reason}")
    _print_versions(_change(client, bucket, found, {"restore": True}, what), as_json)


def _not_revoked(version: Json) -> str | None:
    return None if version.get("revoke_at") else "is not revoked"


def _not_scheduled(version: Json) -> str | None:
    if not version.get("revoke_at"):
        return "has no scheduled revocation"
    if status(version) == "REVOKED":
        return "is revoked already; `packyard revocation restore` it"
    return None


@revocation_app.command("restore")
@command
def restore_command(
    bucket: Bucket, versions: Versions, profile: ProfileName = None, as_json: AsJson = False
) -> None:
    """Restore revoked versions (and what they passed their revocation on to)."""
    _restore(profile, bucket, versions, as_json, "restoring", _not_revoked)


@revocation_app.command("cancel")
@command
def cancel_command(
    bucket: Bucket, versions: Versions, profile: ProfileName = None, as_json: AsJson = False
) -> None:
    """Cancel revocations scheduled for later (a version revoked already needs restore)."""
    _restore(profile, bucket, versions, as_json, "cancelling", _not_scheduled)


@command
def find_command(
    artifact_id: Annotated[
        str,
        typer.Argument(
            help="An external identifier: ami-..., an image digest, ...", show_default=False
        ),
    ],
    platform: Annotated[str | None, typer.Option(help="Only this platform.")] = None,
    region: Annotated[str | None, typer.Option(help="Only this region.")] = None,
    profile: ProfileName = None,
    as_json: AsJson = False,
) -> None:
    """Which bucket, version and build a cloud artifact came from (the /packyard/v1 search)."""
    if not artifact_id.strip():
        raise Usage("the artifact id may not be empty")
    client = connect(profile)
    answer = client.get(
        client.extension() + "/artifacts",
        external_identifier=artifact_id,
        platform=platform,
        region=region,
    )
    found = answer.get("artifacts") or []
    if as_json:
        emit_json(answer)
    if not found:
        raise NotFound(f'no artifact "{artifact_id}" in this project')
    if as_json:
        return
    table(
        ("bucket", "version", "fingerprint", "build", "platform", "region", "revoked"),
        (
            (
                item.get("bucket_name"),
                item.get("version_name"),
                item.get("version_fingerprint"),
                item.get("build_id"),
                item.get("platform"),
                item.get("region"),
                bool(item.get("revoked")),
            )
            for item in found
        ),
    )
