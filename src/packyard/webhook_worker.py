"""The delivery worker: every server process runs one, claiming due deliveries through the
store, so that with many replicas each delivery is claimed by one of them at a time.

A claim counts the attempt and moves the delivery's next attempt past a lease (the timeout
and a margin) in the claiming transaction; the attempt's outcome is written afterwards. A
process that dies between the two leaves the delivery to be claimed again when the lease
runs out: every event is delivered at least once. A failed attempt is tried again after
retry_delay (exponential, with jitter) until max_attempts; then the delivery is FAILED.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from packyard.config import WebhookSettings
from packyard.domain.webhooks import Delivery, DeliveryState, retry_delay
from packyard.errors import RegistryError
from packyard.ids import utcnow
from packyard.store.engine import Store
from packyard.store.webhooks import Webhooks
from packyard.webhook_sender import Attempt, WebhookSender

log = logging.getLogger("packyard.webhooks")
BATCH = 32
IN_FLIGHT = 16  # senders; a claim takes no more than are free, so none waits past its lease
POLL_SECONDS = 0.25
LEASE_MARGIN_SECONDS = 5.0  # after the timeout, to write the outcome before another claims


def outcome(
    delivery: Delivery, attempt: Attempt, settings: WebhookSettings, now: datetime
) -> dict[str, Any]:
    """The columns an attempt leaves: delivered, failed for good, or due again later."""
    values: dict[str, Any] = {
        "sent_at": attempt.sent_at,
        "request_headers": attempt.request_headers,
        "response_status": attempt.status,
        "response_headers": attempt.response_headers,
        "response_body": attempt.response_body,
        "error": attempt.error,
    }
    if attempt.ok:
        values["state"] = DeliveryState.DELIVERED
    elif delivery.attempts >= settings.max_attempts:
        values["state"] = DeliveryState.FAILED
    else:
        wait = retry_delay(delivery.attempts, base_seconds=settings.retry_base_seconds)
        values["next_attempt_at"] = now + timedelta(seconds=wait)
    return values


class DeliveryWorker:
    def __init__(
        self, store: Store, settings: WebhookSettings, sender: WebhookSender | None = None
    ) -> None:
        self.store = store
        self.settings = settings
        self.sender = sender or WebhookSender(settings)
        self.lease = timedelta(seconds=settings.timeout_seconds + LEASE_MARGIN_SECONDS)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._senders = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="packyard-webhook")
        self._flying = 0  # attempts sent and not yet answered
        self._finished: list[tuple[str, dict[str, Any]]] = []  # outcomes not yet written
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _claim(self, limit: int) -> list[tuple[Delivery, str, str]]:
        with self.store.transaction(write=True) as conn:
            hooks = Webhooks(conn)
            claimed = hooks.claim(now=utcnow(), lease=self.lease, limit=limit)
            found = []
            webhooks = {key: hooks.by_id(key) for key in {item.webhook_id for item in claimed}}
            for delivery in claimed:
                webhook = webhooks[delivery.webhook_id]
                if webhook is None or not webhook.enabled:
                    hooks.record(delivery.id, state=DeliveryState.CANCELLED)
                    continue
                found.append((delivery, webhook.url, webhook.hmac_key))
            return found

    def _deliver(self, delivery: Delivery, url: str, key: str) -> None:
        try:
            found = self._attempt(delivery, url, key)
        finally:
            with self._lock:
                self._flying -= 1
        with self._lock:
            self._finished.append(found)
        self._wake.set()

    def _attempt(self, delivery: Delivery, url: str, key: str) -> tuple[str, dict[str, Any]]:
        attempt = self.sender.send(url, key, delivery.payload)
        values = outcome(delivery, attempt, self.settings, utcnow())
        log.info(
            json.dumps(
                {
                    "webhook_delivery": delivery.id,
                    "event": delivery.event_id,
                    "attempt": delivery.attempts,
                    "status": attempt.status,
                    "state": values.get("state", DeliveryState.PENDING),
                    "error": attempt.error or None,
                }
            )
        )
        return delivery.id, values

    def _record(self, outcomes: list[tuple[str, dict[str, Any]]]) -> None:
        """Outcomes in one transaction (one commit, not one a delivery)."""
        with self.store.transaction(write=True) as conn:
            hooks = Webhooks(conn)
            for delivery_id, values in outcomes:
                hooks.record(delivery_id, **values)

    def run_once(self) -> int:
        """Write the outcomes of finished attempts, then claim as many due deliveries as there
        are free senders and start an attempt at each (a slow receiver holds one sender, not
        the others); how many were written or started."""
        with self._lock:
            outcomes, self._finished = self._finished, []
        if outcomes:
            try:
                self.store.retrying(lambda: self._record(outcomes))
            except Exception:
                with self._lock:  # kept for the next turn; the lease covers a crash
                    self._finished[:0] = outcomes
                raise
        with self._lock:
            free = IN_FLIGHT - self._flying
        claimed = self.store.retrying(lambda: self._claim(min(BATCH, free))) if free else []
        for item in claimed:
            with self._lock:
                self._flying += 1
            self._senders.submit(self._deliver, *item)
        return len(outcomes) + len(claimed)

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except RegistryError as exc:  # the store is away: try again shortly
                log.warning(json.dumps({"webhook_worker": "store unavailable", "error": str(exc)}))
                busy = 0
            except Exception:
                log.exception("webhook delivery worker")
                busy = 0
            if not busy:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="packyard-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.settings.timeout_seconds + 5)
        # The attempts under way end within the timeout; their outcomes are written so that a
        # graceful restart sends nothing twice.
        self._senders.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            outcomes, self._finished = self._finished, []
        if outcomes:
            try:
                self.store.retrying(lambda: self._record(outcomes))
            except Exception:  # the store is away: the lease sends them again
                log.warning(json.dumps({"webhook_worker": "outcomes not written at stop"}))
        self.sender.close()


def lifespan(store: Store, settings: WebhookSettings) -> Callable[[Any], Any]:
    """The app's lifespan: the worker runs while the server process serves."""

    @asynccontextmanager
    async def running(app: Any) -> AsyncIterator[None]:
        worker = DeliveryWorker(store, settings)
        app.state.webhook_worker = worker
        worker.start()
        try:
            yield
        finally:
            worker.stop()

    return running
