"""Outbound HTTP for webhooks: one signed POST per attempt, never a redirect followed, one
timeout for the whole attempt, and at most MAX_RESPONSE_BYTES of the answer read.

A destination's every address must be public unless it is in PACKYARD_WEBHOOK_ALLOWED_NETWORKS
(checked as the connection is made, as outbound.py does for the run task), so a webhook
cannot reach loopback, private, link-local or metadata addresses by default.
"""

from __future__ import annotations

import ipaddress
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import httpcore
import msgspec

from packyard import __version__
from packyard.config import WebhookSettings
from packyard.domain.webhooks import SIGNATURE_HEADER, signature
from packyard.ids import utcnow
from packyard.outbound import FAILURES, Destinations, Refused, Resolver, _CheckedBackend, origin
from packyard.outbound import resolve as system_resolve

MAX_RESPONSE_BYTES = 64 * 1024  # read of an answer; what is kept of it is smaller
LOGGED_BODY_BYTES = 4 * 1024
LOGGED_HEADERS = 32


@dataclass
class Attempt:
    """One POST and what came of it."""

    sent_at: datetime
    request_headers: dict[str, str]
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.error


def body_of(payload: dict[str, object]) -> bytes:
    return msgspec.json.encode(payload)


class WebhookSender:
    def __init__(self, settings: WebhookSettings, *, resolver: Resolver = system_resolve) -> None:
        networks = tuple(
            ipaddress.ip_network(item, strict=False) for item in settings.allowed_networks
        )
        self.destinations = Destinations(None, networks, resolver)
        self.timeout = settings.timeout_seconds
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(),
            network_backend=_CheckedBackend(self.destinations),
            max_connections=32,
            keepalive_expiry=30,
        )

    def close(self) -> None:
        self._pool.close()

    def check(self, url: str) -> None:
        """Refuse a URL that is not http(s), carries credentials, or whose host resolves to an
        address that is not allowed."""
        try:
            scheme, host, port = origin(url)
        except ValueError:
            raise Refused(f"{url!r} is not a URL") from None
        if scheme not in ("https", "http") or not host:
            raise Refused(f"{url!r} is not an http(s) URL")
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            raise Refused("a URL with credentials in it is refused")
        self.destinations.addresses(host, port)

    def send(self, url: str, key: str, payload: dict[str, object]) -> Attempt:
        body = body_of(payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Packyard-Webhook/{__version__}",
        }
        if key:
            headers[SIGNATURE_HEADER] = signature(key, body)
        attempt = Attempt(sent_at=utcnow(), request_headers=headers)
        started = time.monotonic()
        try:
            self.check(url)
            limits = {"connect": self.timeout, "read": self.timeout, "write": self.timeout}
            limits["pool"] = self.timeout
            with self._pool.stream(
                "POST",
                url,
                headers=[(k.encode(), v.encode()) for k, v in headers.items()],
                content=body,
                extensions={"timeout": limits},
            ) as answer:
                attempt.status = answer.status
                attempt.response_headers = {
                    k.decode("latin-1"): v.decode("latin-1")
                    for k, v in answer.headers[:LOGGED_HEADERS]
                }
                received = bytearray()
                for chunk in answer.iter_stream():
                    received += chunk
                    if len(received) >= MAX_RESPONSE_BYTES:
                        break
                    if time.monotonic() - started > self.timeout:
                        attempt.error = f"the answer was not read within {self.timeout:g} s"
                        break
                attempt.response_body = bytes(received[:LOGGED_BODY_BYTES]).decode(
                    "utf-8", "replace"
                )
            if 300 <= attempt.status < 400:
                attempt.error = f"HTTP {attempt.status}: redirects are not followed"
            elif not attempt.ok and not attempt.error:
                attempt.error = f"HTTP {attempt.status}"
        except Refused as exc:
            attempt.error = str(exc)
        except httpcore.TimeoutException:
            attempt.error = f"no answer within {self.timeout:g} s"
        except FAILURES as exc:
            attempt.error = f"could not be delivered: {exc}"
        attempt.seconds = time.monotonic() - started
        return attempt
