"""The console's webhooks: the project's list (state, last delivery) with the create form,
and one webhook's page with its delivery log (each request and response); test, enable,
disable, redeliver and delete.

Creating, enabling and testing send the verification payload once the request's
transaction has committed (as the API does), then go back to the page saying what the
receiver answered.
"""

from __future__ import annotations

from urllib.parse import quote

import anyio.to_thread
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from packyard.domain.identity import Role
from packyard.domain.webhooks import (
    ACTIONS,
    HCP_SOURCE,
    Delivery,
    Subscription,
    SubscriptionEvent,
    WebhookName,
)
from packyard.errors import InvalidArgument
from packyard.services import webhooks as svc
from packyard.web.actions import go_back
from packyard.web.dispatch import Form
from packyard.web.pages import P
from packyard.web.render import project_base, render
from packyard.wire.routing import Call, Route
from packyard.wire.webhooks import sender_for

W = P + "/webhooks"
ONE = W + "/{name}"


def _name(call: Call) -> WebhookName:
    return WebhookName(call.scope.project_id, call.param("name"))


def _path(name: str) -> str:
    return f"/webhooks/{quote(name, safe='')}"


def outcome(found: Delivery | None) -> str:
    if found is None:
        return "no answer"
    if found.response_status:
        return f"HTTP {found.response_status}"
    return found.error or "no answer yet"


class VerifyThenGo(Response):
    """Send the verification after the transaction has committed, then go to `path` saying
    how it went."""

    def __init__(self, call: Call, check: svc.Verification, path: str, done: str) -> None:
        super().__init__(b"", 303)
        self.store = call.request.app.state.services.store
        self.sender = sender_for(call.settings.webhook)
        self.check, self.done = check, done
        self.target = project_base(call) + path

    def _work(self) -> str:
        verified = svc.verify(self.store, self.sender, self.check)
        answer = outcome(svc.newest_delivery(self.store, self.check.webhook_id))
        if self.check.enable and (verified is None or not verified.enabled):
            return f"{self.done} The verification got {answer}: it stays disabled."
        return f"{self.done} The receiver answered {answer}."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        done = await anyio.to_thread.run_sync(self._work)
        redirect = RedirectResponse(f"{self.target}?done={quote(done)}", 303)
        redirect.headers["Cache-Control"] = "no-store"
        await redirect(scope, receive, send)


def webhooks_page(call: Call) -> Response:
    found = svc.webhooks_with_last(call.repo, call.scope, call.scope.project_id)
    return render(
        call,
        "webhooks.html",
        webhooks=[webhook for webhook, _ in found],
        last={webhook.id: last for webhook, last in found if last is not None},
        actions=list(ACTIONS[HCP_SOURCE]),
        title="Webhooks",
    )


def webhook_page(call: Call) -> Response:
    webhook, log = svc.list_deliveries(call.repo, _name(call))
    return render(
        call, "webhook.html", webhook=webhook, deliveries=log, outcome=outcome, title="Webhook"
    )


def _subscriptions(form: Form) -> list[Subscription]:
    actions = [item.strip() for item in form.fields.get("action", []) if item.strip()]
    if not actions:
        return []
    return [Subscription(events=tuple(SubscriptionEvent(HCP_SOURCE, a) for a in actions))]


def create(call: Call) -> Response:
    form: Form = call.body
    name = form.get("name")
    _, check = svc.create_webhook(
        call.repo,
        call.scope,
        sender_for(call.settings.webhook),
        project_id=call.scope.project_id,
        name=name,
        changes=svc.Changes(
            url=form.get("url"),
            hmac_key=form.get("hmac_key"),
            description=form.get("description"),
            subscriptions=_subscriptions(form),
        ),
        now=call.now,
    )
    return VerifyThenGo(call, check, _path(name), f"Created webhook {name}.")


def test(call: Call) -> Response:
    webhook = svc.get_webhook(call.repo, _name(call))
    check = svc.Verification(webhook.id, enable=False)
    return VerifyThenGo(call, check, _path(webhook.name.name), "Sent the test payload.")


def _switch(call: Call, enabled: bool) -> Response:
    webhook, check = svc.update_webhook(
        call.repo,
        sender_for(call.settings.webhook),
        _name(call),
        changes=svc.Changes(enabled=enabled),
        mask="enabled",
        now=call.now,
    )
    path = _path(webhook.name.name)
    if check is not None:
        return VerifyThenGo(call, check, path, "Verified the receiver.")
    return go_back(call, path, "Enabled." if enabled else "Disabled: nothing is delivered.")


def enable(call: Call) -> Response:
    return _switch(call, True)


def disable(call: Call) -> Response:
    return _switch(call, False)


def redeliver(call: Call) -> Response:
    _, found = svc.redeliver(call.repo, _name(call), call.param("delivery_id"), now=call.now)
    return go_back(call, _path(call.param("name")), f"Queued the payload again as {found.id}.")


def delete(call: Call) -> Response:
    form: Form = call.body
    name = call.param("name")
    if form.get("confirm") != name:
        raise InvalidArgument(f'type "{name}" to confirm; nothing was changed')
    svc.delete_webhook(call.repo, _name(call))
    return go_back(call, "/webhooks", f"Deleted webhook {name}.")


V, A = Role.VIEWER, Role.ADMIN
WEBHOOK_PAGES = [
    Route("GET", W, webhooks_page, V, "console.Webhooks"),
    Route("POST", W, create, A, "console.CreateWebhook"),
    Route("GET", ONE, webhook_page, V, "console.Webhook"),
    Route("POST", ONE + "/test", test, A, "console.TestWebhook"),
    Route("POST", ONE + "/enable", enable, A, "console.EnableWebhook"),
    Route("POST", ONE + "/disable", disable, A, "console.DisableWebhook"),
    Route(
        "POST",
        ONE + "/deliveries/{delivery_id}/redeliver",
        redeliver,
        A,
        "console.RedeliverWebhookDelivery",
    ),
    Route("POST", ONE + "/delete", delete, A, "console.DeleteWebhook"),
]
