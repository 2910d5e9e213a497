"""The webhook use cases a handler calls once: a webhook with its newest delivery, the
project's webhooks with theirs, and a redelivery with the webhook it was sent for."""

from __future__ import annotations

import pytest

from packyard.config import WebhookSettings
from packyard.domain.webhooks import WebhookName
from packyard.errors import InvalidArgument, NotFound
from packyard.ids import utcnow
from packyard.services import webhooks
from packyard.webhook_sender import WebhookSender
from tests.services.conftest import Registry

SENDER = WebhookSender(WebhookSettings(allowed_networks=("127.0.0.0/8",)))


def _enabled_hook(registry: Registry, name: str) -> WebhookName:
    project = registry.scope.project_id
    with registry.work() as work:
        made, _ = webhooks.create_webhook(
            work,
            registry.scope,
            SENDER,
            project_id=project,
            name=name,
            changes=webhooks.Changes(url="https://127.0.0.1:9/hook"),
            now=utcnow(),
        )
        work.webhooks.change(made.id, enabled=True)  # as a passed verification leaves it
    return made.name


def test_a_webhook_comes_with_its_newest_delivery_and_redelivery_names_its_webhook(
    registry: Registry,
):
    name = _enabled_hook(registry, "builds")
    quiet = _enabled_hook(registry, "quiet")
    with registry.work(write=False) as work:
        assert webhooks.show_webhook(work, name)[1] is None  # nothing delivered yet
    with registry.work() as work:
        work.webhooks.change(work.webhooks.named(quiet).id, enabled=False)  # type: ignore[union-attr]
    registry.push("app", "f1")  # a version is made and completes: events for "builds"
    with registry.work(write=False) as work:
        webhook, last = webhooks.show_webhook(work, name)
        listed = {found.name.name: newest for found, newest in webhooks.webhooks_with_last(
            work, registry.scope, registry.scope.project_id
        )}  # fmt: skip
    assert webhook.name == name and last is not None
    assert listed["builds"] == last and listed["quiet"] is None
    with registry.work() as work:
        again_for, copy = webhooks.redeliver(work, name, last.id, now=utcnow())
    assert again_for.name == name and again_for.url == "https://127.0.0.1:9/hook"
    assert copy.id != last.id and copy.payload == last.payload
    with registry.work(write=False) as work:
        assert webhooks.show_webhook(work, name)[1] == copy  # the copy is now the newest
        with pytest.raises(NotFound):
            webhooks.show_webhook(work, WebhookName(registry.scope.project_id, "nowhere"))


def test_an_update_mask_of_a_webhook_is_read_by_the_one_parser(registry: Registry):
    name = _enabled_hook(registry, "masked")
    with registry.work() as work:
        changed, _ = webhooks.update_webhook(
            work,
            SENDER,
            name,
            changes=webhooks.Changes(description="new"),
            mask=" description , description",
            now=utcnow(),
        )
        assert changed.description == "new"
        with pytest.raises(InvalidArgument, match="unknown update_mask paths: colour"):
            webhooks.update_webhook(
                work, SENDER, name, changes=webhooks.Changes(), mask="colour", now=utcnow()
            )
        with pytest.raises(InvalidArgument, match="no field"):
            webhooks.update_webhook(
                work, SENDER, name, changes=webhooks.Changes(), mask=" , ", now=utcnow()
            )
