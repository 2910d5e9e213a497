"""Registry events into the webhook outbox, in the transaction of the change they tell of.

Each use case calls one function here. Nothing is written for a project without enabled
webhooks (one query finds that out); otherwise the event is shaped once and one delivery is
written per webhook whose subscriptions select it.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime

from packyard.domain.identity import Actor
from packyard.domain.registry import Channel, Version
from packyard.domain.webhooks import (
    HCP_SOURCE,
    OWN_SOURCE,
    DeliveryState,
    EventPlace,
    event_envelope,
    version_payload,
)
from packyard.ids import new_id
from packyard.store.repository import Repository
from packyard.store.webhooks import Webhooks

EFFECTIVE = "revocation-effective"


def new_event_id() -> str:
    return "packer.event:" + secrets.token_urlsafe(12)


def _actor(actor: Actor | None) -> dict[str, str]:
    if actor is None:
        return {"type": "packyard", "principal_id": "", "name": "packyard"}
    return {"type": "service-principal", "principal_id": actor.principal_id, "name": actor.name}


def _write(
    repo: Repository,
    version: Version,
    source: str,
    action: str,
    actor: Actor | None,
    *,
    now: datetime,
    due: datetime | None = None,
    extra: dict[str, object] | None = None,
    shown_at: datetime | None = None,
) -> None:
    listeners, place = Webhooks(repo.conn).listeners(version.bucket_id)
    if place is None:
        return
    chosen = [
        hook
        for hook in listeners
        if hook.selects(source, action, (place.registry_id, place.bucket_id))
    ]
    if not chosen:
        return
    payload = version_payload(place, version, actor=_actor(actor), now=shown_at or now)
    payload.update(extra or {})
    event_id = new_event_id()
    envelope = event_envelope(
        event_id=event_id, source=source, action=action, place=place, payload=payload
    )
    Webhooks(repo.conn).add_deliveries(
        [
            {
                "id": new_id(),
                "webhook_id": hook.id,
                "event_id": event_id,
                "action": action,
                "subject_id": version.id,
                "payload": envelope,
                "state": DeliveryState.PENDING,
                "attempts": 0,
                "next_attempt_at": due or now,
                "created_at": now,
                "sent_at": None,
                "request_headers": {},
                "response_status": 0,
                "response_headers": {},
                "response_body": "",
                "error": "",
            }
            for hook in chosen
        ]
    )


def _current(repo: Repository, version: Version) -> Version:
    """The version as this transaction sees it now, with its builds and artifacts."""
    return repo.version_by_id(version.id) or version


def version_created(repo: Repository, actor: Actor, version: Version, *, now: datetime) -> None:
    _write(repo, version, HCP_SOURCE, "create", actor, now=now)


def version_completed(repo: Repository, actor: Actor, version: Version, *, now: datetime) -> None:
    _write(repo, _current(repo, version), HCP_SOURCE, "complete", actor, now=now)


def version_deleted(repo: Repository, actor: Actor, version: Version, *, now: datetime) -> None:
    """Called before the version is removed, so that its builds are still there to show."""
    _write(repo, _current(repo, version), HCP_SOURCE, "delete", actor, now=now)


def version_revoked(repo: Repository, actor: Actor, version: Version, *, now: datetime) -> None:
    """Revoked now, or scheduled: then Packyard's own event is due when it takes effect."""
    Webhooks(repo.conn).cancel_pending(version.id, EFFECTIVE)
    current = _current(repo, version)
    if current.revoke_at is None or current.revoke_at <= now:
        _write(repo, current, HCP_SOURCE, "revoke", actor, now=now)
        return
    _write(repo, current, HCP_SOURCE, "schedule-revocation", actor, now=now)
    at = current.revoke_at
    _write(repo, current, OWN_SOURCE, EFFECTIVE, actor, now=now, due=at, shown_at=at)


def version_restored(
    repo: Repository, actor: Actor | None, version: Version, *, now: datetime
) -> None:
    """Called before the revocation is cleared: a scheduled one is cancelled, a revoked
    version restored."""
    current = _current(repo, version)
    action = "cancel-revocation" if current.revocation_scheduled(now) else "restore"
    Webhooks(repo.conn).cancel_pending(version.id, EFFECTIVE)
    cleared = replace(
        current, revoke_at=None, revocation_message="", revocation_author="", revoked_from_id=None
    )
    _write(repo, cleared, HCP_SOURCE, action, actor, now=now)


def _channel_shape(channel: Channel) -> dict[str, object]:
    return {"id": channel.id, "name": channel.name, "managed": channel.managed}


def channel_moved(
    repo: Repository, actor: Actor, channel: Channel, version: Version | None, *, now: datetime
) -> None:
    """Called before the channel moves: `assign` with the previous version, and
    Packyard's `out-of-date` for each child built from the version the channel leaves."""
    hooks = Webhooks(repo.conn)
    previous_id = hooks.channel_version_id(channel.id)
    if version is not None and previous_id != version.id:
        previous = repo.version_by_id(previous_id) if previous_id else None
        current = _current(repo, version)
        extra: dict[str, object] = {
            "channel": _channel_shape(channel),
            "previous_version": None,
            "previous_builds": [],
        }
        if previous is not None:
            shown = version_payload(EventPlace("", "", "", "", ""), previous, actor={}, now=now)
            extra["previous_version"] = shown["version"]
            extra["previous_builds"] = shown["builds"]
        _write(repo, current, HCP_SOURCE, "assign", actor, now=now, extra=extra)
    if not previous_id or (version is not None and previous_id == version.id):
        return
    for child in repo.versions_by_ids(hooks.built_from(previous_id, channel.id)).values():
        extra = {
            "parent": {
                "bucket_id": channel.bucket_id,
                "bucket_name": channel.bucket_name,
                "channel": _channel_shape(channel),
                "version_id": previous_id,
                "new_version_id": version.id if version is not None else "",
            }
        }
        _write(repo, child, OWN_SOURCE, "out-of-date", actor, now=now, extra=extra)
