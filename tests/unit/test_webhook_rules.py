"""Webhook rules that need no server: the signature, the retry schedule, what a subscription
selects, the settings, and what the worker writes after an attempt."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, datetime, timedelta

import pytest

from packyard.config import Settings, SettingsError, WebhookSettings
from packyard.domain.webhooks import (
    Delivery,
    DeliveryState,
    Subscription,
    SubscriptionEvent,
    checked_subscriptions,
    retry_delay,
    retry_schedule,
    signature,
)
from packyard.errors import InvalidArgument
from packyard.outbound import Refused
from packyard.webhook_sender import Attempt, WebhookSender
from packyard.webhook_worker import outcome

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_signature_is_the_hex_hmac_sha512_of_the_body() -> None:
    body = b'{"event_action":"revoke"}'
    assert signature("key", body) == hmac.new(b"key", body, hashlib.sha512).hexdigest()
    assert len(signature("key", body)) == 128


def test_the_default_schedule_is_ten_attempts_over_about_a_day() -> None:
    settings = WebhookSettings()
    waits = retry_schedule(settings.retry_base_seconds, settings.max_attempts)
    assert len(waits) == settings.max_attempts - 1 == 9
    assert waits[0] == timedelta(minutes=3)
    assert waits[-1] == timedelta(minutes=768)
    assert timedelta(hours=24) < sum(waits, timedelta()) < timedelta(hours=26)


def test_each_wait_doubles_with_jitter_of_at_most_a_fifth() -> None:
    rng = random.Random(7)
    for attempt in range(1, 10):
        nominal = 10 * 2 ** (attempt - 1)
        delays = [retry_delay(attempt, base_seconds=10, rng=rng) for _ in range(200)]
        assert all(0.8 * nominal <= d <= 1.2 * nominal for d in delays)
        assert len({round(d, 6) for d in delays}) > 100  # jittered, not one value


def test_subscriptions_select_by_source_action_and_resource() -> None:
    hcp = "hashicorp.packer.version"
    every = Subscription(events=(SubscriptionEvent(hcp, "*"),))
    revoke_here = Subscription("reg-1", (SubscriptionEvent(hcp, "revoke"),))
    anything = Subscription(events=(SubscriptionEvent("*", "*"),))
    assert every.selects(hcp, "assign", ("reg-1", "bucket-1"))
    assert not every.selects("hashicorp.packyard.version", "out-of-date", ("reg-1",))
    assert revoke_here.selects(hcp, "revoke", ("reg-1", "bucket-1"))
    assert not revoke_here.selects(hcp, "restore", ("reg-1", "bucket-1"))
    assert not revoke_here.selects(hcp, "revoke", ("reg-2", "bucket-2"))
    assert anything.selects("hashicorp.packyard.version", "out-of-date", ("reg-9",))


def test_unknown_actions_and_empty_subscriptions_are_refused() -> None:
    hcp = "hashicorp.packer.version"
    with pytest.raises(InvalidArgument):
        checked_subscriptions([Subscription(events=(SubscriptionEvent(hcp, "explode"),))])
    with pytest.raises(InvalidArgument):
        checked_subscriptions([Subscription(events=())])
    with pytest.raises(InvalidArgument):
        checked_subscriptions([Subscription(events=(SubscriptionEvent("Not A Source", "*"),))])
    # another service's source is kept as given (HCP's catalogue is larger than Packer's)
    assert checked_subscriptions(
        [Subscription(events=(SubscriptionEvent("hashicorp.vault.x", "y"),))]
    )


def test_settings_are_read_and_round_trip_to_the_workers() -> None:
    env = {
        "PACKYARD_WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/8, 127.0.0.1",
        "PACKYARD_WEBHOOK_TIMEOUT": "2.5",
        "PACKYARD_WEBHOOK_RETRY_BASE": "30",
        "PACKYARD_WEBHOOK_MAX_ATTEMPTS": "4",
    }
    found = WebhookSettings.from_env(env)
    assert found == WebhookSettings(("10.0.0.0/8", "127.0.0.1"), 2.5, 30.0, 4)
    assert Settings.from_env(Settings(webhook=found).to_env()).webhook == found
    with pytest.raises(SettingsError, match="WEBHOOK_ALLOWED_NETWORKS"):
        WebhookSettings.from_env({"PACKYARD_WEBHOOK_ALLOWED_NETWORKS": "metadata.internal"})
    with pytest.raises(SettingsError, match="WEBHOOK_MAX_ATTEMPTS"):
        WebhookSettings.from_env({"PACKYARD_WEBHOOK_MAX_ATTEMPTS": "0"})


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
        "http://[fd00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "https://user:secret@example.com/",
    ],
)
def test_destinations_that_are_not_public_are_refused(url: str) -> None:
    sender = WebhookSender(WebhookSettings(), resolver=lambda host, port: [host.strip("[]")])
    with pytest.raises(Refused):
        sender.check(url)


def test_a_name_that_resolves_to_a_private_address_is_refused_unless_allowed() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["10.1.2.3"]

    with pytest.raises(Refused, match="not a public address"):
        WebhookSender(WebhookSettings(), resolver=resolver).check("https://hooks.example/")
    allowed = WebhookSender(WebhookSettings(allowed_networks=("10.0.0.0/8",)), resolver=resolver)
    allowed.check("https://hooks.example/")


def _delivery(attempts: int) -> Delivery:
    return Delivery("d", "w", "e", {}, DeliveryState.PENDING, attempts, NOW, NOW)


def test_an_attempt_leaves_delivered_due_again_or_failed() -> None:
    settings = WebhookSettings(retry_base_seconds=60, max_attempts=3)
    ok = Attempt(NOW, {}, status=204)
    refused = Attempt(NOW, {}, status=500, error="HTTP 500")
    moved = Attempt(NOW, {}, status=302, error="HTTP 302: redirects are not followed")
    assert outcome(_delivery(1), ok, settings, NOW)["state"] == DeliveryState.DELIVERED
    again = outcome(_delivery(1), refused, settings, NOW)
    assert "state" not in again
    assert NOW + timedelta(seconds=48) <= again["next_attempt_at"] <= NOW + timedelta(seconds=72)
    assert "state" not in outcome(_delivery(2), moved, settings, NOW)
    assert outcome(_delivery(3), refused, settings, NOW)["state"] == DeliveryState.FAILED
