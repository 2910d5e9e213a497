"""A webhook receiver for the tests, checking signatures as HCP's documentation shows, and
the shapes of hcp-sdk-go's cloud-webhook 2023-05-31 models (../shared/spec has no webhook
service, so the answers are held to the generated client's models)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jsonschema

STRING = {"type": "string"}
DATETIME = {"type": "string", "format": "date-time"}
HEADERS = {"type": "object", "additionalProperties": {"type": "string"}}
PAYLOAD = {
    "type": "object",
    "properties": {
        name: STRING
        for name in (
            "event_action",
            "event_description",
            "event_id",
            "event_source",
            "event_version",
            "resource_id",
            "resource_name",
        )
    }
    | {"event_payload": {"type": "object"}},
    "additionalProperties": False,
}
DELIVERY = {  # HashicorpCloudWebhookWebhookDelivery; Packyard adds fields of its own
    "type": "object",
    "required": ["id", "webhook_resource_id", "request", "response", "retries"],
    "properties": {
        "id": STRING,
        "webhook_resource_id": STRING,
        "retries": {"type": "integer", "minimum": 0},
        "request": {
            "type": "object",
            "properties": {
                "headers": HEADERS,
                "payload": PAYLOAD,
                "sent_at": DATETIME,
                "url": STRING,
            },
            "additionalProperties": False,
        },
        "response": {
            "type": "object",
            "properties": {
                "body": STRING,
                "headers": HEADERS,
                "status_code": {"type": "integer"},
            },
            "additionalProperties": False,
        },
    },
}
SUBSCRIPTION = {
    "type": "object",
    "properties": {
        "resource_id": STRING,
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"action": STRING, "source": STRING},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}
WEBHOOK = {  # HashicorpCloudWebhookWebhook: the key is never in it
    "type": "object",
    "required": ["resource_id", "resource_name", "config", "enabled", "subscriptions"],
    "properties": {
        "config": {
            "type": "object",
            "properties": {"url": STRING},
            "required": ["url"],
            "additionalProperties": False,
        },
        "created_at": DATETIME,
        "updated_at": DATETIME,
        "description": STRING,
        "enabled": {"type": "boolean"},
        "last_delivery": DELIVERY,
        "resource_id": STRING,
        "resource_name": {
            "type": "string",
            "pattern": "^webhook/project/[^/]+/geo/us/webhook/[^/]+$",
        },
        "subscriptions": {"type": "array", "items": SUBSCRIPTION},
    },
    "additionalProperties": False,
}
PAGINATION = {"type": "object"}
ANSWERS: dict[str, dict[str, Any]] = {
    "webhook": {
        "type": "object",
        "required": ["webhook"],
        "properties": {"webhook": WEBHOOK},
        "additionalProperties": False,
    },
    "webhooks": {
        "type": "object",
        "required": ["webhooks"],
        "properties": {"webhooks": {"type": "array", "items": WEBHOOK}, "pagination": PAGINATION},
        "additionalProperties": False,
    },
    "deliveries": {
        "type": "object",
        "required": ["deliveries"],
        "properties": {
            "deliveries": {"type": "array", "items": DELIVERY},
            "pagination": PAGINATION,
        },
        "additionalProperties": False,
    },
    "empty": {"type": "object", "additionalProperties": False},
}


def validated(kind: str, body: Any) -> Any:
    """The body, if it fits the sdk model of the answer `kind`; AssertionError if not."""
    checker = jsonschema.Draft7Validator(ANSWERS[kind], format_checker=jsonschema.FormatChecker())
    errors = sorted(checker.iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    return body


def hcp_signature_ok(key: str, body: bytes, header: str | None) -> bool:
    """As HCP's documentation shows: the hex HMAC-SHA512 of the raw body, compared in
    constant time."""
    expected = hmac.new(key.encode(), body, hashlib.sha512).hexdigest()
    return header is not None and hmac.compare_digest(expected, header)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signed: bool | None  # None: the receiver has no key
    status: int = 200  # what the receiver answered

    @property
    def payload(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


Reply = Callable[[BaseHTTPRequestHandler], None]


class Receiver:
    """Records each POST; answers 200, or as `status` / `delay` / `replies` say."""

    def __init__(self, key: str = "", host: str = "127.0.0.1", port: int = 0) -> None:
        self.key = key
        self.received: list[Received] = []
        self.arrivals = 0  # requests begun (a delayed one is received when it is answered)
        self.status = 200
        self.delay = 0.0
        self.replies: dict[str, Reply] = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.arrivals += 1
                header = self.headers.get("X-HCP-Webhook-Signature")
                signed = hcp_signature_ok(outer.key, body, header) if outer.key else None
                if outer.delay:
                    time.sleep(outer.delay)
                reply = outer.replies.get(self.path)
                status = 0 if reply is not None else outer.status
                with outer.lock:
                    outer.received.append(
                        Received(self.path, dict(self.headers), body, signed, status)
                    )
                if reply is not None:
                    return reply(self)
                answer = b'{"ok":true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self, action: str | None = None) -> list[Received]:
        with self.lock:
            found = list(self.received)
        return [
            item
            for item in found
            if item.payload.get("event_action") != "test"
            and (action is None or item.payload.get("event_action") == action)
        ]

    def wait_for(
        self, predicate: Callable[[list[Received]], bool], *, timeout: float = 20
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events()
            if predicate(found):
                return found
            time.sleep(0.05)
        got = [item.payload.get("event_action") for item in self.events()]
        raise AssertionError(f"the receiver did not get what was expected, only: {got}")
