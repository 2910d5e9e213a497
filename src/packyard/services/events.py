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
    Webhook,
    event_envelope,
    version_payload,
)
from packyard.ids import new_id
from packyard.store.work import Work

EFFECTIVE = "revocation-effective"
Listeners = tuple[list[Webhook], EventPlace | None]


def new_event_id() -> str:
    return "packer.event:" + secrets.token_urlsafe(12)


def _actor(actor: Actor | None) -> dict[str, str]:
    if actor is None:
        return {"type": "packyard", "principal_id": "", "name": "packyard"}
    return {"type": "service-principal", "principal_id": actor.principal_id, "name": actor.name}


def _listening(repo: Work, bucket_id: str) -> Listeners:
    """The bucket's listeners, looked up once per transaction (a completion and the move of
    `latest` it makes ask for the same bucket)."""
    known = repo.listeners_of_bucket
    if bucket_id not in known:
        known[bucket_id] = repo.webhooks.listeners(bucket_id)
    return known[bucket_id]


def _write(
    repo: Work,
    version: Version,
    source: str,
    action: str,
    actor: Actor | None,
    *,
    now: datetime,
    fresh: bool = False,
    due: datetime | None = None,
    extra: dict[str, object] | None = None,
    shown_at: datetime | None = None,
    cleared: bool = False,
) -> None:
    """One event about the version to each webhook that selects it. `fresh`: read the
    version again first (its builds and artifacts as this transaction has them); `cleared`:
    show it with its revocation cleared."""
    listeners, place = _listening(repo, version.bucket_id)
    if place is None:
        return
    resources = (place.registry_id, place.bucket_id)
    chosen = [hook for hook in listeners if hook.selects(source, action, resources)]
    if not chosen:
        return
    if fresh:
        version = repo.version_by_id(version.id) or version
    if cleared:
        version = replace(version, revoke_at=None, revoked_from_id=None)
        version.revocation_message = version.revocation_author = ""
    payload = version_payload(place, version, actor=_actor(actor), now=shown_at or now)
    payload.update(extra or {})
    event_id = new_event_id()
    envelope = event_envelope(
        event_id=event_id, source=source, action=action, place=place, payload=payload
    )
    repo.webhooks.add_deliveries(
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


def _cancel_effective(repo: Work, version: Version) -> None:
    """A revocation rescheduled or cleared: its `revocation-effective` is not to be sent.
    (Only a project with webhooks can hold one.)"""
    listeners, _ = _listening(repo, version.bucket_id)
    if listeners:
        repo.webhooks.cancel_pending(version.id, EFFECTIVE)


def version_created(repo: Work, actor: Actor, version: Version, *, now: datetime) -> None:
    _write(repo, version, HCP_SOURCE, "create", actor, now=now)


def version_completed(repo: Work, actor: Actor, version: Version, *, now: datetime) -> None:
    _write(repo, version, HCP_SOURCE, "complete", actor, now=now, fresh=True)


def version_deleted(repo: Work, actor: Actor, version: Version, *, now: datetime) -> None:
    """Called before the version is removed, so that its builds are still there to show."""
    _write(repo, version, HCP_SOURCE, "delete", actor, now=now, fresh=True)


def version_revoked(repo: Work, actor: Actor, version: Version, *, now: datetime) -> None:
    """Called once the revocation is written (`version` is as it was before): revoked now,
    or scheduled, and then Packyard's own event is due when it takes effect."""
    listeners, _ = _listening(repo, version.bucket_id)
    if not listeners:
        return
    _cancel_effective(repo, version)
    current = repo.version_by_id(version.id) or version
    if current.revoke_at is None or current.revoke_at <= now:
        _write(repo, current, HCP_SOURCE, "revoke", actor, now=now)
        return
    _write(repo, current, HCP_SOURCE, "schedule-revocation", actor, now=now)
    at = current.revoke_at
    _write(repo, current, OWN_SOURCE, EFFECTIVE, actor, now=now, due=at, shown_at=at)


def version_restored(repo: Work, actor: Actor | None, version: Version, *, now: datetime) -> None:
    """Called before the revocation is cleared: a scheduled one is cancelled, a revoked
    version restored."""
    action = "cancel-revocation" if version.revocation_scheduled(now) else "restore"
    _cancel_effective(repo, version)
    _write(repo, version, HCP_SOURCE, action, actor, now=now, fresh=True, cleared=True)


def _channel_shape(channel: Channel) -> dict[str, object]:
    return {"id": channel.id, "name": channel.name, "managed": channel.managed}


def channel_made(repo: Work, actor: Actor, channel: Channel, *, now: datetime) -> None:
    """A channel made with a version: `assign`, with no previous version."""
    if channel.version is not None:
        _assigned(repo, actor, channel, channel.version, None, now=now)


def _assigned(
    repo: Work,
    actor: Actor,
    channel: Channel,
    version: Version,
    previous_id: str | None,
    *,
    now: datetime,
) -> None:
    listeners, _ = _listening(repo, channel.bucket_id)
    if not listeners:
        return
    previous = repo.version_by_id(previous_id) if previous_id else None
    extra: dict[str, object] = {
        "channel": _channel_shape(channel),
        "previous_version": None,
        "previous_builds": [],
    }
    if previous is not None:
        shown = version_payload(EventPlace("", "", "", "", ""), previous, actor={}, now=now)
        extra["previous_version"] = shown["version"]
        extra["previous_builds"] = shown["builds"]
    _write(repo, version, HCP_SOURCE, "assign", actor, now=now, fresh=True, extra=extra)


def channel_moved(
    repo: Work, actor: Actor, channel: Channel, version: Version | None, *, now: datetime
) -> None:
    """Called before the channel moves: `assign` with the previous version, and
    Packyard's `out-of-date` for each child built from the version the channel leaves."""
    previous_id, children, listened = repo.webhooks.leaving(channel.id)
    if not listened:  # known now: no look-up of this bucket's listeners is needed
        repo.listeners_of_bucket[channel.bucket_id] = ([], None)
    if version is not None and previous_id != version.id:
        _assigned(repo, actor, channel, version, previous_id, now=now)
    if not previous_id or (version is not None and previous_id == version.id):
        return
    if not children:
        return
    for child in repo.versions_by_ids(children).values():
        extra: dict[str, object] = {
            "parent": {
                "bucket_id": channel.bucket_id,
                "bucket_name": channel.bucket_name,
                "channel": _channel_shape(channel),
                "version_id": previous_id,
                "new_version_id": version.id if version is not None else "",
            }
        }
        _write(repo, child, OWN_SOURCE, "out-of-date", actor, now=now, extra=extra)
