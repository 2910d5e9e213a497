"""Webhooks: a project's subscriptions to registry events, the events' HCP shapes, how a
delivery is signed, and when a failed one is tried again.

Events are HCP Packer's (`hashicorp.packer.version`) and Packyard's own
(`hashicorp.packyard.version`, named in the provider's pattern so that Terraform can
subscribe to it): see README.md, "Webhooks", for the catalogue. An event is written in the
transaction of the change it tells of, one delivery per enabled webhook that selects it.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from packyard.domain.registry import Build, Version
from packyard.errors import InvalidArgument
from packyard.ids import rfc3339

HCP_SOURCE = "hashicorp.packer.version"
OWN_SOURCE = "hashicorp.packyard.version"  # hashicorp.*: the provider's pattern
TEST_ACTION = "test"
EVENT_VERSION = "1"
SIGNATURE_HEADER = "X-HCP-Webhook-Signature"

ACTIONS: dict[str, dict[str, str]] = {
    HCP_SOURCE: {
        "create": "Created version",
        "complete": "Completed version",
        "revoke": "Revoked version",
        "restore": "Restored version",
        "delete": "Deleted version",
        "schedule-revocation": "Scheduled version revocation",
        "cancel-revocation": "Cancelled version revocation",
        "assign": "Assigned version to channel",
    },
    OWN_SOURCE: {
        "revocation-effective": "Scheduled revocation took effect",
        "out-of-date": "Version is out of date: its parent's channel moved",
    },
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SOURCE = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$")


def require_webhook_name(name: str) -> str:
    """HCP's resource name part: letters, digits, '_', '.' and '-', starting with a letter
    or digit (at most 64)."""
    if not _NAME.match(name or ""):
        raise InvalidArgument(
            "a webhook name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter"
            " or digit"
        )
    return name


@dataclass(frozen=True)
class WebhookName:
    project_id: str
    name: str

    @property
    def resource_name(self) -> str:
        return f"webhook/project/{self.project_id}/geo/us/webhook/{self.name}"


@dataclass(frozen=True)
class SubscriptionEvent:
    source: str
    action: str  # an action of the source, or "*"


@dataclass(frozen=True)
class Subscription:
    resource_id: str = ""  # "" for every resource of the project
    events: tuple[SubscriptionEvent, ...] = ()

    def selects(self, source: str, action: str, resource_ids: tuple[str, ...]) -> bool:
        if self.resource_id and self.resource_id not in resource_ids:
            return False
        return any(
            event.source in (source, "*") and event.action in (action, "*") for event in self.events
        )


def checked_subscriptions(found: list[Subscription]) -> tuple[Subscription, ...]:
    for subscription in found:
        if not subscription.events:
            raise InvalidArgument("a subscription needs at least one event")
        for event in subscription.events:
            if event.source != "*" and not _SOURCE.match(event.source):
                raise InvalidArgument(f'"{event.source}" is not an event source')
            known = ACTIONS.get(event.source)
            if event.action != "*" and known is not None and event.action not in known:
                raise InvalidArgument(f'"{event.action}" is not an action of {event.source}')
    return tuple(found)


@dataclass
class Webhook:
    id: str
    name: WebhookName
    organization_id: str
    url: str
    hmac_key: str  # write-only: never in an answer
    description: str
    enabled: bool
    subscriptions: tuple[Subscription, ...]
    created_at: datetime
    updated_at: datetime

    def selects(self, source: str, action: str, resource_ids: tuple[str, ...]) -> bool:
        if not self.subscriptions:  # no subscriptions: every event of the project
            return True
        return any(s.selects(source, action, resource_ids) for s in self.subscriptions)


class DeliveryState:
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@dataclass
class Delivery:
    id: str
    webhook_id: str
    event_id: str
    payload: dict[str, object]
    state: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str = ""


def signature(key: str, body: bytes) -> str:
    """What HCP puts in X-HCP-Webhook-Signature: the hex HMAC-SHA512 of the body."""
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def retry_delay(attempt: int, *, base_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): base * 2^(attempt-1), each
    with up to 20% jitter either way."""
    jitter: float = (rng or random).uniform(0.8, 1.2)
    return float(base_seconds * (2 ** (attempt - 1)) * jitter)


def retry_schedule(base_seconds: float, max_attempts: int) -> list[timedelta]:
    """The waits before attempts 2..max_attempts, without jitter (as README.md lists them)."""
    return [timedelta(seconds=base_seconds * 2**n) for n in range(max_attempts - 1)]


def _empty(moment: datetime | None) -> str:
    return "" if moment is None else rfc3339(moment)


def version_shape(version: Version, now: datetime) -> dict[str, object]:
    """The version as an event carries it; unset status and revocation fields are ""."""
    revoked = version.is_revoked(now)
    return {
        "id": version.id,
        "name": f"v{version.sequence}" if version.sequence is not None else "",
        "fingerprint": version.fingerprint,
        "status": version.state(now).value if version.complete or version.builds else "",
        "author_id": version.author_id,
        "created_at": rfc3339(version.created_at),
        "updated_at": rfc3339(version.updated_at),
        "revoke_at": _empty(version.revoke_at),
        "revoked_at": _empty(version.revoke_at) if revoked else "",
        "revocation_message": version.revocation_message or "",
        "revocation_author": version.revocation_author or "",
        "revocation_inherited_from": version.revoked_from_id or "",
    }


def build_shape(build: Build) -> dict[str, object]:
    return {
        "id": build.id,
        "component_type": build.component_type,
        "platform": build.platform,
        "status": build.status.value,
        "packer_run_uuid": build.packer_run_uuid,
        "labels": dict(build.labels),
        "created_at": rfc3339(build.created_at),
        "updated_at": rfc3339(build.updated_at),
        "artifacts": [
            {
                "id": artifact.id,
                "external_identifier": artifact.external_identifier,
                "region": artifact.region,
                "created_at": rfc3339(artifact.created_at),
            }
            for artifact in build.artifacts
        ],
    }


@dataclass(frozen=True)
class EventPlace:
    """Where an event happened: the registry and bucket of the version."""

    organization_id: str
    project_id: str
    registry_id: str
    bucket_id: str
    bucket_name: str

    @property
    def registry_resource_name(self) -> str:
        return f"packer/project/{self.project_id}/registry/{self.registry_id}"


def event_envelope(
    *,
    event_id: str,
    source: str,
    action: str,
    place: EventPlace,
    payload: dict[str, object],
) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event_action": action,
        "event_description": ACTIONS[source][action],
        "event_source": source,
        "event_version": EVENT_VERSION,
        "resource_id": place.registry_id,
        "resource_name": place.registry_resource_name,
        "event_payload": payload,
    }


def version_payload(
    place: EventPlace, version: Version, *, actor: dict[str, str], now: datetime
) -> dict[str, object]:
    return {
        "organization_id": place.organization_id,
        "project_id": place.project_id,
        "registry": {"id": place.registry_id},
        "bucket": {"id": place.bucket_id, "name": place.bucket_name},
        "version": version_shape(version, now),
        "actor": actor,
        "builds": [build_shape(build) for build in version.builds],
    }


def test_payload(webhook: Webhook, *, event_id: str) -> dict[str, object]:
    """The verification payload HCP sends on create, enable and a URL or key change."""
    return {
        "event_id": event_id,
        "event_action": TEST_ACTION,
        "event_description": "Webhook verification",
        "event_source": "hashicorp.webhook.verification",
        "event_version": EVENT_VERSION,
        "resource_id": webhook.id,
        "resource_name": webhook.name.resource_name,
        "event_payload": {"webhook_id": webhook.id, "webhook_name": webhook.name.name},
    }
