"""A channel's assignment history with why each move was made (HCP's history has no reason)."""

from __future__ import annotations

from packyard.domain.identity import Role
from packyard.domain.registry import Assignment, Version
from packyard.ids import rfc3339
from packyard.services import channels
from packyard.wire.extension.registry import BASE, version_name
from packyard.wire.http import paginate
from packyard.wire.routing import Call, Route


def version_ref(version: Version | None) -> dict[str, str] | None:
    if version is None:
        return None
    return {"id": version.id, "fingerprint": version.fingerprint, "name": version_name(version)}


def _entry(entry: Assignment, earlier: Assignment | None) -> dict[str, object]:
    before = earlier.version if earlier is not None else None
    return {
        "assigned_at": rfc3339(entry.created_at),
        "author_id": entry.author_id,
        "reason": entry.reason.value,
        "version_id": entry.version_id or "",
        "version": version_ref(entry.version),
        "from_version_id": (earlier.version_id or "") if earlier is not None else "",
        "from_version": version_ref(before),
    }


def channel_history(call: Call) -> object:
    found = channels.channel_history(
        call.repo,
        call.actor,
        call.scope,
        bucket_name=call.param("bucket_name"),
        name=call.param("channel_name"),
    )
    entries = [
        _entry(entry, found[index + 1] if index + 1 < len(found) else None)
        for index, entry in enumerate(found)
    ]
    page, pagination = paginate(call.request, entries)
    return {"history": list(page), "pagination": pagination}


ROUTES = [
    Route(
        "GET",
        BASE + "/buckets/{bucket_name}/channels/{channel_name}/history",
        channel_history,
        Role.VIEWER,
        "packyard.ListChannelHistory",
    ),
]
