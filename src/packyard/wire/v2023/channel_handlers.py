"""The 2023-01-01 operations on channels and their assignment history."""

from __future__ import annotations

from packyard.domain.update_mask import mask_paths
from packyard.services import channels, reads, written
from packyard.services.channels import VersionChoice
from packyard.wire.http import paginate
from packyard.wire.routing import Call
from packyard.wire.v2023 import requests as rq
from packyard.wire.v2023 import shapes
from packyard.wire.v2023.rendering import render_version, view


def create_channel(call: Call) -> object:
    body: rq.CreateChannel = call.body
    found = channels.create_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=body.name or "",
        choice=VersionChoice(fingerprint=body.version_fingerprint or None),
        restricted=bool(body.restricted),
        now=call.now,
    )
    return {"channel": shapes.channel(found, view(call))}


def get_channel(call: Call) -> object:
    found = reads.show_channel(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
        now=call.now,
    )
    return {"channel": shapes.channel(call.answers(found).channel, view(call))}


def list_channels(call: Call) -> object:
    found = reads.list_channels(
        call.work, call.actor, call.scope, bucket_name=call.param("bucket_name"), now=call.now
    )
    return {"channels": [shapes.channel(item, view(call)) for item in call.answers(found).channels]}


def update_channel(call: Call) -> object:
    body: rq.UpdateChannel = call.body
    paths = mask_paths(
        body.update_mask,
        allowed={"versionFingerprint": "versionFingerprint", "restricted": "restricted"},
        required="update_mask is required, e.g. versionFingerprint or restricted",
    )
    choice = None
    if "versionFingerprint" in paths:
        choice = VersionChoice(fingerprint=body.version_fingerprint or None)
    found = channels.update_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
        choice=choice,
        restricted=bool(body.restricted) if "restricted" in paths else None,
        now=call.now,
    )
    return {"channel": shapes.channel(found, view(call))}


def delete_channel(call: Call) -> object:
    channels.delete_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
    )
    return {}


def assign_channel(call: Call) -> object:
    body: rq.AssignChannel = call.body
    source, target, shown = written.copy_assignment(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        source=body.source_channel or "",
        target=body.target_channel or "",
        now=call.now,
    )
    return {
        "fingerprint": shown.version.fingerprint,
        "version": render_version(call, shown),
        "source_channel": shapes.channel(source, view(call)),
        "target_channel": shapes.channel(target, view(call)),
    }


def channel_history(call: Call) -> object:
    found = channels.channel_history(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
    )
    page, pagination = paginate(call.request, found)
    return {
        "history": [shapes.assignment(item, view(call)) for item in page],
        "count": len(found),
        "pagination": pagination,
    }
