"""The 2021-04-30 operations on channels and their history."""

from __future__ import annotations

from packyard.domain.update_mask import mask_paths
from packyard.errors import InvalidArgument
from packyard.services import channels, reads
from packyard.services.channels import VersionChoice
from packyard.wire.http import paginate
from packyard.wire.routing import (
    Call,
)
from packyard.wire.v2021 import requests as rq
from packyard.wire.v2021 import shapes


# channels ---------------------------------------------------------------------------------
def _restricted(restriction: str | None) -> bool | None:
    if restriction in (None, "", "RESTRICTION_UNSET"):
        return None
    if restriction == "RESTRICTED":
        return True
    if restriction == "UNRESTRICTED":
        return False
    raise InvalidArgument("restriction must be RESTRICTED, UNRESTRICTED or RESTRICTION_UNSET")


def _choice(body: rq.CreateChannel) -> VersionChoice:
    return VersionChoice(
        version_id=body.iteration_id or None,
        fingerprint=body.fingerprint or None,
        sequence=body.incremental_version or None,
    )


def create_channel(call: Call) -> object:
    body: rq.CreateChannel = call.body
    found = channels.create_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=body.slug or "",
        choice=_choice(body),
        restricted=bool(_restricted(body.restriction)),
        now=call.now,
    )
    return {"channel": shapes.channel(found)}


def get_channel(call: Call) -> object:
    found = reads.show_channel(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
        now=call.now,
        parents_status=False,
    )
    return {"channel": shapes.channel(call.answers(found).channel)}


def list_channels(call: Call) -> object:
    found = reads.list_channels(
        call.work,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        now=call.now,
        parents_status=False,
    )
    return {"channels": [shapes.channel(item) for item in call.answers(found).channels]}


_ASSIGNMENT_PATHS = {"iterationid", "fingerprint", "incrementalversion"}


def update_channel(call: Call) -> object:
    body: rq.UpdateChannel = call.body
    paths = set(mask_paths(body.mask, fold=True))
    choice = _choice(body)
    restricted = _restricted(body.restriction)
    if paths:
        assign: VersionChoice | None = choice if paths & _ASSIGNMENT_PATHS else None
        restricted = restricted if "restriction" in paths else None
    else:
        # Without a mask every attribute is updated: no iteration given unassigns, unless
        # the request only changes the restriction.
        assign = None if choice.empty and restricted is not None else choice
    found = channels.update_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
        choice=assign,
        restricted=restricted,
        now=call.now,
    )
    return {"channel": shapes.channel(found)}


def delete_channel(call: Call) -> object:
    channels.delete_channel(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
    )
    return {}


def list_channel_history(call: Call) -> object:
    found = channels.channel_history(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_slug"),
        name=call.param("slug"),
    )
    page, pagination = paginate(call.request, found)
    return {
        "history": [shapes.assignment(item, call.now) for item in page],
        "count": len(found),
        "pagination": pagination,
    }
