"""The console's actions: parse the form, call one write use case, go back to the page.
Each is a POST, CSRF-checked, authorised and audited as the API's writes are."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from starlette.responses import RedirectResponse, Response

from packyard.domain.identity import Role
from packyard.domain.registry import Version
from packyard.errors import InvalidArgument
from packyard.ids import parse_rfc3339
from packyard.services import buckets, channels, revocation, versions
from packyard.services.channels import VersionChoice
from packyard.web.dispatch import Form
from packyard.web.pages import CHANNEL, VERSION, B, confirm_word
from packyard.web.render import project_base
from packyard.wire.routing import Call, Route

MAX_LABELS = 64


def go_back(call: Call, path: str, done: str) -> Response:
    return RedirectResponse(f"{project_base(call)}{path}?done={quote(done)}", 303)


def _seg(name: str) -> str:
    return quote(name, safe="")


def _confirmed(form: Form, expected: str) -> None:
    if form.get("confirm") != expected:
        raise InvalidArgument(f'type "{expected}" to confirm; nothing was changed')


def parse_labels(text: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, has_value, value = line.partition("=")
        if not has_value or not key.strip():
            raise InvalidArgument(f'label line {number} is not "key=value": "{line.strip()}"')
        labels[key.strip()] = value.strip()
    if len(labels) > MAX_LABELS:
        raise InvalidArgument(f"at most {MAX_LABELS} labels")
    return labels


def revocation_from(values: Mapping[str, str] | Form) -> revocation.Revocation:
    """The revoke form: reason; now, at a moment, or in a duration; descendants; roll back."""
    get = values.get
    when = get("when", "") or "now"
    at = in_ = None
    if when == "at":
        text = (get("at", "") or "").strip()
        if not text:
            raise InvalidArgument("give the date and time the revocation takes effect")
        try:
            at = parse_rfc3339(text if text.endswith("Z") or "+" in text[10:] else text + ":00Z")
        except ValueError:
            raise InvalidArgument(f'"{text}" is not a date and time (UTC)') from None
    elif when == "in":
        in_ = (get("in", "") or "").strip()
        if not in_:
            raise InvalidArgument('give a duration such as "72h" or "7d"')
    elif when != "now":
        raise InvalidArgument("revoke now, at a date, or in a duration")
    return revocation.Revocation(
        revoke_at=at,
        revoke_in=in_,
        message=(get("reason", "") or "").strip(),
        skip_descendants=(get("descendants", "") or "") != "on",
        rollback_channels=(get("rollback", "") or "") == "on",
    )


def _version(call: Call) -> Version:
    return versions.version_by_ref(
        call.repo,
        call.scope,
        bucket_name=call.param("bucket_name"),
        ref=call.param("ref"),
        with_builds=False,
    )


def _confirmed_version(call: Call, form: Form) -> Version:
    version = _version(call)
    _confirmed(form, confirm_word(version))
    return version


def _version_page(name: str, version: Version) -> str:
    return f"/buckets/{_seg(name)}/versions/{_seg(version.fingerprint)}"


def _channel_page(name: str, channel: str) -> str:
    return f"/buckets/{_seg(name)}/channels/{_seg(channel)}"


def _update_channel(
    call: Call,
    name: str,
    channel: str,
    choice: VersionChoice | None,
    restricted: bool | None = None,
) -> None:
    channels.update_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=name,
        name=channel,
        choice=choice,
        restricted=restricted,
        now=call.now,
    )


def edit_bucket(call: Call) -> Response:
    form: Form = call.body
    name = call.param("bucket_name")
    description = form.get("description")
    if len(description) > 1024:
        raise InvalidArgument("a description holds at most 1024 characters")
    buckets.update_bucket(
        call.repo,
        call.scope,
        name=name,
        description=description,
        labels=parse_labels(form.fields.get("labels", [""])[-1]),
        now=call.now,
    )
    return go_back(call, f"/buckets/{_seg(name)}", "Saved the description and labels.")


def delete_bucket(call: Call) -> Response:
    form: Form = call.body
    name = call.param("bucket_name")
    _confirmed(form, name)
    buckets.delete_bucket(call.repo, call.scope, name=name)
    return go_back(call, "/buckets", f"Deleted bucket {name}.")


def promote(call: Call) -> Response:
    form: Form = call.body
    name = call.param("bucket_name")
    version = _version(call)
    channel_name = form.get("channel")
    if not channel_name:
        raise InvalidArgument("choose the channel to promote to")
    _update_channel(call, name, channel_name, VersionChoice(version_id=version.id))
    return go_back(call, _version_page(name, version), f"Promoted to {channel_name}.")


def revoke(call: Call) -> Response:
    form: Form = call.body
    name = call.param("bucket_name")
    version = _confirmed_version(call, form)
    revocation.revoke_version(
        call.repo,
        call.actor,
        call.scope,
        version_id=version.id,
        revocation=revocation_from(form),
        now=call.now,
    )
    return go_back(call, _version_page(name, version), "Revoked.")


def restore(call: Call) -> Response:
    name = call.param("bucket_name")
    version = _version(call)
    scheduled = version.revocation_scheduled(call.now)
    revocation.restore_version(
        call.repo, call.scope, version_id=version.id, now=call.now, actor=call.actor
    )
    done = "Cancelled the scheduled revocation." if scheduled else "Restored."
    return go_back(call, _version_page(name, version), done)


def delete_version(call: Call) -> Response:
    form: Form = call.body
    name = call.param("bucket_name")
    version = _confirmed_version(call, form)
    versions.delete_version(
        call.repo,
        call.actor,
        call.scope,
        version_id=version.id,
        rollback_channels=form.get("rollback") == "on",
        now=call.now,
    )
    return go_back(call, f"/buckets/{_seg(name)}/versions", f"Deleted {confirm_word(version)}.")


def _choice(form: Form) -> VersionChoice:
    return VersionChoice(version_id=form.get("version") or None)


def create_channel(call: Call) -> Response:
    form: Form = call.body
    name = call.param("bucket_name")
    channel = form.get("name")
    if not channel:
        raise InvalidArgument("give the channel a name")
    channels.create_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=name,
        name=channel,
        choice=_choice(form),
        restricted=form.get("restricted") == "on",
        now=call.now,
    )
    return go_back(call, _channel_page(name, channel), f"Created channel {channel}.")


def assign_channel(call: Call) -> Response:
    form: Form = call.body
    name, channel = call.param("bucket_name"), call.param("channel_name")
    _update_channel(call, name, channel, _choice(form))
    return go_back(call, _channel_page(name, channel), "Assigned.")


def channel_access(call: Call) -> Response:
    form: Form = call.body
    name, channel = call.param("bucket_name"), call.param("channel_name")
    _update_channel(call, name, channel, None, restricted=form.get("restricted") == "on")
    return go_back(call, _channel_page(name, channel), "Changed who may read it.")


def delete_channel(call: Call) -> Response:
    form: Form = call.body
    name, channel = call.param("bucket_name"), call.param("channel_name")
    _confirmed(form, channel)
    channels.delete_channel(call.repo, call.actor, call.scope, bucket_name=name, name=channel)
    return go_back(call, f"/buckets/{_seg(name)}/channels", f"Deleted channel {channel}.")


C, A = Role.CONTRIBUTOR, Role.ADMIN
ACTIONS = [
    Route("POST", B, edit_bucket, C, "console.UpdateBucket"),
    Route("POST", B + "/delete", delete_bucket, A, "console.DeleteBucket"),
    Route("POST", VERSION + "/promote", promote, C, "console.PromoteVersion"),
    Route("POST", VERSION + "/revoke", revoke, C, "console.RevokeVersion"),
    Route("POST", VERSION + "/restore", restore, C, "console.RestoreVersion"),
    Route("POST", VERSION + "/delete", delete_version, C, "console.DeleteVersion"),
    Route("POST", B + "/channels", create_channel, C, "console.CreateChannel"),
    Route("POST", CHANNEL + "/assign", assign_channel, C, "console.AssignChannel"),
    Route("POST", CHANNEL + "/access", channel_access, C, "console.ChannelAccess"),
    Route("POST", CHANNEL + "/delete", delete_channel, C, "console.DeleteChannel"),
]
