"""Outbound HTTP for the run task: only to allowed Terraform Cloud / Enterprise hosts, never to
a loopback, private, link-local or metadata address unless that network is allowed, with a
cap on what is read and one deadline for everything.

Addresses are checked where the connection is made (every address the host name resolves
to), so a name that resolves differently on a second look cannot slip past the check. TLS is
verified against the host name as usual. No proxy from the environment is used: the checks
are about where Packyard itself connects.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
import time
import typing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpcore

from packyard.config import RunTaskSettings, WorkloadIdentitySettings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

MAX_REDIRECTS = 3
RESOLVE_SECONDS = 5.0
REDIRECTS = (301, 302, 303, 307, 308)
FAILURES = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol)


class Refused(Exception):
    """A destination the settings do not allow."""


class Unreadable(Exception):
    """An answer that cannot be used: an error status, too large, too slow, or not JSON."""


_resolvers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="packyard-resolve")


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (a literal address resolves to itself), within
    RESOLVE_SECONDS: the system resolver has no timeout of its own to give."""
    lookup = _resolvers.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        found = lookup.result(timeout=RESOLVE_SECONDS)
    except FutureTimeout:
        raise Refused(f'"{host}" did not resolve within {RESOLVE_SECONDS:g} s') from None
    except OSError as exc:
        raise Refused(f'"{host}" does not resolve: {exc}') from None
    return list(dict.fromkeys(str(item[4][0]) for item in found))


def address_refusal(address: Address, allowed: Iterable[Network]) -> str | None:
    """Why a connection to this address is refused, or None: only public unicast addresses,
    unless the address is in an allowed network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in allowed):
        return None
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_link_local:
        return f"{address} is a link-local address (such as a cloud metadata service)"
    if address.is_multicast or address.is_unspecified or not address.is_global:
        return f"{address} is not a public address"
    return None


def origin(url: str) -> tuple[str, str, int]:
    """A URL's scheme, host name (lower case, no trailing dot) and port; ValueError if the
    port is not a number."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, (parts.hostname or "").lower().rstrip("."), port


@dataclass(frozen=True)
class Destinations:
    """The run task's allowed hosts and networks, and the checks of a URL against them."""

    hosts: frozenset[str] | None  # None: any host (a workload identity issuer's)
    networks: tuple[Network, ...] = ()
    resolver: Resolver = field(default=resolve, compare=False)
    https_only: bool = False

    @classmethod
    def for_issuers(cls, settings: WorkloadIdentitySettings) -> Destinations:
        """Any host over https, whose every address is public or in an allowed network."""
        networks = (ipaddress.ip_network(item, strict=False) for item in settings.allowed_networks)
        return cls(None, tuple(networks), https_only=True)

    @classmethod
    def from_settings(cls, settings: RunTaskSettings) -> Destinations:
        return cls(
            frozenset(settings.allowed_hosts),
            tuple(ipaddress.ip_network(item, strict=False) for item in settings.allowed_networks),
        )

    def addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, if every one of them is allowed."""
        found = self.resolver(host, port)
        if not found:
            raise Refused(f'"{host}" has no address')
        for text in found:
            reason = address_refusal(ipaddress.ip_address(text.split("%")[0]), self.networks)
            if reason is not None:
                raise Refused(f'"{host}" is refused: {reason}')
        return found

    def check(self, url: str) -> None:
        """Refuse a URL that is not https on an allowed host (http only into allowed
        networks), or whose host resolves to an address that is not allowed."""
        try:
            scheme, host, port = origin(url)
        except ValueError:
            raise Refused(f"{url!r} is not a URL") from None
        if scheme not in ("https", "http") or not host:
            raise Refused(f"{url!r} is not an http(s) URL")
        if self.https_only and scheme != "https":
            raise Refused(f"{url!r} is not an https URL")
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            raise Refused("a URL with credentials in it is refused")
        if self.hosts is not None and host not in self.hosts:
            raise Refused(f'"{host}" is not an allowed Terraform host')
        addresses = self.addresses(host, port)
        if scheme == "http" and not all(
            any(ipaddress.ip_address(text.split("%")[0]) in net for net in self.networks)
            for text in addresses
        ):
            raise Refused(f'plain http to "{host}" is refused: use https')


class _CheckedBackend(httpcore.NetworkBackend):
    """Connects only to addresses the destinations allow, checked as the socket is opened."""

    def __init__(self, destinations: Destinations) -> None:
        self._destinations = destinations
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._destinations.addresses(host, port)
        except Refused as exc:
            raise httpcore.ConnectError(str(exc)) from None
        failure: Exception = httpcore.ConnectError(f'"{host}" cannot be reached')
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are refused")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@dataclass(frozen=True)
class Deadline:
    """One point in time (monotonic) every step of a job must finish by."""

    at: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds)

    def sooner(self, seconds: float) -> Deadline:
        return Deadline(self.at - seconds)

    def left(self) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise Unreadable("the run task's deadline passed")
        return remaining


class TerraformCloud:
    """Reads plans from, and sends verdicts to, allowed Terraform hosts."""

    def __init__(self, destinations: Destinations, *, max_plan_bytes: int) -> None:
        self.destinations = destinations
        self.max_plan_bytes = max_plan_bytes
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(),
            network_backend=_CheckedBackend(destinations),
            max_connections=4,
        )

    def close(self) -> None:
        self._pool.close()

    def _timeouts(self, deadline: Deadline) -> dict[str, dict[str, float]]:
        left = deadline.left()
        return {"timeout": {"connect": left, "read": left, "write": left, "pool": left}}

    def plan(self, url: str, token: str, deadline: Deadline) -> dict[str, object]:
        """The plan's JSON. A redirect is followed only to another allowed destination (the
        token goes only to the first URL's origin), at most MAX_REDIRECTS times."""
        first: tuple[str, str, int] | None = None
        for _ in range(MAX_REDIRECTS + 1):
            self.destinations.check(url)
            first = first or origin(url)
            headers = [(b"Accept", b"application/json")]
            if origin(url) == first:
                headers.append((b"Authorization", f"Bearer {token}".encode()))
            try:
                with self._pool.stream(
                    "GET", url, headers=headers, extensions=self._timeouts(deadline)
                ) as answer:
                    location = _header(answer.headers, b"location")
                    if answer.status in REDIRECTS and location:
                        url = urljoin(url, location)
                        continue
                    if answer.status != 200:
                        raise Unreadable(f"the plan URL answered HTTP {answer.status}")
                    body = self._read(answer, deadline)
            except httpcore.TimeoutException:
                raise Unreadable("the plan was not read before the run task's deadline") from None
            except FAILURES as exc:
                raise Unreadable(f"the plan could not be read: {exc}") from None
            try:
                plan = json.loads(body)
            except (ValueError, RecursionError):
                raise Unreadable("the plan is not JSON") from None
            if not isinstance(plan, dict):
                raise Unreadable("the plan is not a JSON object")
            return plan
        raise Unreadable(f"the plan URL redirected more than {MAX_REDIRECTS} times")

    def _read(self, answer: httpcore.Response, deadline: Deadline) -> bytes:
        declared = _header(answer.headers, b"content-length")
        if declared.isdigit() and int(declared) > self.max_plan_bytes:
            raise Unreadable(f"the plan is larger than {self.max_plan_bytes} bytes")
        received = bytearray()
        for chunk in answer.iter_stream():
            received += chunk
            if len(received) > self.max_plan_bytes:
                raise Unreadable(f"the plan is larger than {self.max_plan_bytes} bytes")
            deadline.left()
        return bytes(received)

    def send(self, url: str, token: str, body: bytes, deadline: Deadline) -> int:
        """PATCH the verdict to the callback URL; a redirect is not followed. Answers the
        status."""
        self.destinations.check(url)
        headers = [
            (b"Authorization", f"Bearer {token}".encode()),
            (b"Content-Type", b"application/vnd.api+json"),
        ]
        try:
            answer = self._pool.request(
                "PATCH", url, headers=headers, content=body, extensions=self._timeouts(deadline)
            )
        except (httpcore.TimeoutException, *FAILURES) as exc:
            raise Unreadable(f"the verdict could not be sent: {exc or 'timed out'}") from None
        return answer.status


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return ""


class JsonDocuments:
    """Reads small JSON documents (an issuer's discovery document and keys) over https from
    allowed destinations; no redirect is followed."""

    def __init__(self, destinations: Destinations, *, max_bytes: int, timeout: float) -> None:
        self.destinations = destinations
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(),
            network_backend=_CheckedBackend(destinations),
            max_connections=4,
        )

    def get(self, url: str) -> dict[str, object]:
        self.destinations.check(url)
        limits = {"connect": self.timeout, "read": self.timeout, "pool": self.timeout}
        try:
            with self._pool.stream(
                "GET",
                url,
                headers=[(b"Accept", b"application/json")],
                extensions={"timeout": limits},
            ) as answer:
                if answer.status != 200:
                    raise Unreadable(f"{url} answered HTTP {answer.status}")
                received = bytearray()
                for chunk in answer.iter_stream():
                    received += chunk
                    if len(received) > self.max_bytes:
                        raise Unreadable(f"{url} is larger than {self.max_bytes} bytes")
        except httpcore.TimeoutException:
            raise Unreadable(f"{url} did not answer within {self.timeout:g} s") from None
        except FAILURES as exc:
            raise Unreadable(f"{url} could not be read: {exc}") from None
        try:
            document = json.loads(bytes(received))
        except (ValueError, RecursionError):
            raise Unreadable(f"{url} is not JSON") from None
        if not isinstance(document, dict):
            raise Unreadable(f"{url} is not a JSON object")
        return document
