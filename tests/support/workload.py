"""Concurrent Packer-like pushes of both planes, a ledger of every acknowledged write, and the
read-back that proves the store kept each of them and holds no half-written version.

Each worker thread pushes whole sequences (bucket, version, builds UNSET -> RUNNING -> DONE,
then its own channel onto the new version), alternating the 2021-04-30 and 2023-01-01 planes,
into buckets shared with other workers. A write counts as acknowledged only when it answered
200. A write that failed in transport or answered anything else may or may not have landed
(the server may have died after its commit), so it is kept as the sequence's pending write,
the sequence is abandoned, and the worker starts a new one.
"""

from __future__ import annotations

import itertools
import json
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support import contract

COMPONENTS = ("null.a", "file.b")


class Refused(Exception):
    """A write answered something other than 200 (its outcome is unknown to the caller)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Client:
    """One token against one base URL; every JSON answer is checked against the spec unless
    `validate` is off (a load generator's own cost would otherwise bound the load)."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: ssl.SSLContext | bool,
        token: str,
        organization_id: str,
        project_id: str,
        timeout: float = 10.0,
        validate: bool = True,
    ) -> None:
        self.validate = validate
        self.last: httpx.Response | None = None  # the latest answer, for its headers
        self.http = httpx.Client(
            base_url=base_url,
            verify=verify,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"},
        )
        project = f"organizations/{organization_id}/projects/{project_id}"
        self.v1 = f"/packer/2021-04-30/{project}"
        self.v2 = f"/packer/2023-01-01/{project}"

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = self.http.request(method, path, **kwargs)
        self.last = response
        try:
            body = response.json()
        except json.JSONDecodeError:
            return response.status_code, response.text
        if self.validate and contract.find_operation(method, response.request.url.path):
            contract.validate(method, response.request.url.path, response.status_code, body)
        return response.status_code, body

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        status, body = self.call(method, path, **kwargs)
        if status != 200:
            raise Refused(status, body)
        return body

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class Failure:
    """A request that did not answer 200: its status and body, or the transport error."""

    status: int | None
    body: Any
    error: str = ""

    @classmethod
    def of(cls, exc: Exception) -> Failure:
        if isinstance(exc, Refused):
            return cls(exc.status, exc.body)
        return cls(None, None, f"{type(exc).__name__}: {exc}")

    @property
    def retryable(self) -> bool:
        """A 503 in the API's error shape with code 14 (UNAVAILABLE)."""
        return (
            self.status == 503
            and isinstance(self.body, dict)
            and set(self.body) == {"code", "message", "details"}
            and self.body["code"] == 14
            and bool(self.body["message"])
            and self.body["details"] == []
        )


def plain_status(status: str) -> str:
    return status.removeprefix("BUILD_")


@dataclass
class Push:
    """What one push sequence got acknowledged, and the write it was making when it stopped."""

    plane: str
    bucket: str
    fingerprint: str
    channel: str
    version_id: str | None = None
    builds: dict[str, str] = field(default_factory=dict)  # component -> build id
    status: dict[str, str] = field(default_factory=dict)  # build id -> last acknowledged
    pending: tuple[str, str, str] | None = None  # (kind, target, value) of the unknown write
    finished: bool = False  # every write of the sequence acknowledged
    seconds: float = 0.0  # how long the sequence took, finished or not

    def attempt(self, kind: str, target: str, value: str) -> None:
        self.pending = (kind, target, value)

    def acknowledged(self) -> None:
        self.pending = None


@dataclass
class Ledger:
    pushes: list[Push] = field(default_factory=list)
    # (bucket, channel) -> fingerprints it may show: the last acknowledged one, then any
    # assignment attempted after it whose outcome is unknown.
    channels: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    acknowledged: int = 0
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self) -> None:
        with self.lock:
            self.acknowledged += 1

    def assignment(self, bucket: str, channel: str, fingerprint: str, *, acked: bool) -> None:
        with self.lock:
            seen = self.channels.setdefault((bucket, channel), [])
            if acked:
                seen[:] = [fingerprint]
            else:
                seen.append(fingerprint)

    @property
    def buckets(self) -> set[str]:
        return {push.bucket for push in self.pushes}


class Pusher:
    """One worker's push sequences; `client_for(n)` picks the client for its n-th sequence."""

    def __init__(
        self,
        index: int,
        buckets: Sequence[str],
        ledger: Ledger,
        client_for: Callable[[], Client],
        label: str = "",
    ) -> None:
        self.index = index
        self.label = label
        self.buckets = buckets
        self.ledger = ledger
        self.client_for = client_for
        self.channel = f"w{index}"
        self.channel_made: set[str] = set()
        self.sequence = itertools.count()

    def run(self, stop: threading.Event, deadline: float) -> None:
        client = self.client_for()
        while not stop.is_set() and time.monotonic() < deadline:
            n = next(self.sequence)
            push = Push(
                plane="2021" if (n + self.index) % 2 == 0 else "2023",
                bucket=self.buckets[(n + self.index) % len(self.buckets)],
                fingerprint=f"{self.label}w{self.index}-{n}",
                channel=self.channel,
            )
            with self.ledger.lock:
                self.ledger.pushes.append(push)
            started = time.perf_counter()
            try:
                self.push(client, push)
                push.seconds = time.perf_counter() - started
            except (httpx.HTTPError, Refused) as exc:
                with self.ledger.lock:
                    self.ledger.failures.append(Failure.of(exc))
                client.close()
                time.sleep(0.05)
                client = self.client_for()
        client.close()

    def push(self, client: Client, push: Push) -> None:
        """One whole sequence on the push's plane; raises at the first write not answered 200."""
        if push.plane == "2021":
            self._push_2021(client, push)
        else:
            self._push_2023(client, push)
        push.finished = True

    def _write(
        self, push: Push, kind: str, target: str, value: str, send: Callable[[], Any]
    ) -> Any:
        push.attempt(kind, target, value)
        body = send()
        push.acknowledged()
        self.ledger.count()
        return body

    def _push_2021(self, c: Client, push: Push) -> None:
        b, fp = push.bucket, push.fingerprint
        status, body = c.call("PUT", c.v1 + "/images", json={"bucket_slug": b})
        if status not in (200, 409):
            raise Refused(status, body)
        created = self._write(
            push,
            "version",
            fp,
            "",
            lambda: c.ok("POST", c.v1 + f"/images/{b}/iterations", json={"fingerprint": fp}),
        )
        push.version_id = created["iteration"]["id"]
        for component in COMPONENTS:
            build = self._write(
                push,
                "build-create",
                component,
                "UNSET",
                lambda component=component: c.ok(
                    "POST",
                    c.v1 + f"/images/{b}/iterations/{push.version_id}",
                    json={"build": {"component_type": component, "status": "UNSET"}},
                ),
            )["build"]
            push.builds[component] = build["id"]
            push.status[build["id"]] = plain_status(build["status"])
        for target in ("RUNNING", "DONE"):
            for component, build_id in push.builds.items():
                updates: dict[str, Any] = {"status": target}
                if target == "DONE":
                    updates["cloud_provider"] = component.split(".")[0]
                    updates["images"] = [{"image_id": f"img-{build_id}", "region": "r1"}]
                got = self._write(
                    push,
                    "build",
                    build_id,
                    target,
                    lambda build_id=build_id, updates=updates: c.ok(
                        "PATCH", c.v1 + f"/builds/{build_id}", json={"updates": updates}
                    ),
                )["build"]
                push.status[build_id] = plain_status(got["status"])
        self._assign(
            push,
            lambda: c.call(
                "POST",
                c.v1 + f"/images/{b}/channels",
                json={"slug": push.channel, "fingerprint": fp},
            ),
            lambda: c.ok(
                "PATCH", c.v1 + f"/images/{b}/channels/{push.channel}", json={"fingerprint": fp}
            ),
        )

    def _push_2023(self, c: Client, push: Push) -> None:
        b, fp = push.bucket, push.fingerprint
        status, body = c.call("GET", c.v2 + f"/buckets/{b}")
        if status == 404:
            status, body = c.call("PUT", c.v2 + "/buckets", json={"name": b, "description": "d"})
            if status not in (200, 409):
                raise Refused(status, body)
        elif status != 200:
            raise Refused(status, body)
        status, body = c.call("GET", c.v2 + f"/buckets/{b}/versions/{fp}")
        if status != 409 or body.get("code") != 10:
            raise Refused(status, body)
        created = self._write(
            push,
            "version",
            fp,
            "",
            lambda: c.ok(
                "POST",
                c.v2 + f"/buckets/{b}/versions",
                json={"fingerprint": fp, "template_type": "HCL2"},
            ),
        )
        push.version_id = created["version"]["id"]
        base = c.v2 + f"/buckets/{b}/versions/{fp}/builds"
        for component in COMPONENTS:
            build = self._write(
                push,
                "build-create",
                component,
                "UNSET",
                lambda component=component: c.ok(
                    "POST", base, json={"component_type": component, "status": "BUILD_UNSET"}
                ),
            )["build"]
            push.builds[component] = build["id"]
            push.status[build["id"]] = plain_status(build["status"])
        for target in ("RUNNING", "DONE"):
            for component, build_id in push.builds.items():
                fields: dict[str, Any] = {"status": f"BUILD_{target}"}
                if target == "DONE":
                    fields["platform"] = component.split(".")[0]
                    fields["artifacts"] = [
                        {"external_identifier": f"img-{build_id}", "region": "r1"}
                    ]
                got = self._write(
                    push,
                    "build",
                    build_id,
                    target,
                    lambda build_id=build_id, fields=fields: c.ok(
                        "PATCH", base + f"/{build_id}", json=fields
                    ),
                )["build"]
                push.status[build_id] = plain_status(got["status"])
        channels = c.v2 + f"/buckets/{b}/channels"
        self._assign(
            push,
            lambda: c.call(
                "POST", channels, json={"name": push.channel, "version_fingerprint": fp}
            ),
            lambda: c.ok(
                "PATCH",
                channels + f"/{push.channel}",
                json={"version_fingerprint": fp, "update_mask": "versionFingerprint"},
            ),
        )

    def _assign(
        self, push: Push, create: Callable[[], tuple[int, Any]], move: Callable[[], Any]
    ) -> None:
        """Point this worker's channel in the bucket at the version (creating the channel)."""
        push.attempt("channel", push.channel, push.fingerprint)
        self.ledger.assignment(push.bucket, push.channel, push.fingerprint, acked=False)
        if push.bucket not in self.channel_made:
            status, body = create()
            if status == 200:
                self.channel_made.add(push.bucket)
            elif status == 409 and body.get("code") == 6:
                self.channel_made.add(push.bucket)  # made by an earlier, unacknowledged try
                move()
            else:
                raise Refused(status, body)
        else:
            move()
        push.acknowledged()
        self.ledger.count()
        self.ledger.assignment(push.bucket, push.channel, push.fingerprint, acked=True)


@dataclass
class Reads:
    """What a read loop saw: answers by status, and the failures among them."""

    ok: int = 0
    failures: list[Failure] = field(default_factory=list)


def read_loop(
    client_for: Callable[[], Client], paths: Sequence[str], stop: threading.Event
) -> Reads:
    """GET `paths` round-robin until `stop`; any non-200 and any transport error is kept."""
    reads = Reads()
    client = client_for()
    for path in itertools.cycle(paths):
        if stop.is_set():
            break
        try:
            status, body = client.call("GET", path)
        except httpx.HTTPError as exc:
            reads.failures.append(Failure.of(exc))
            client.close()
            client = client_for()
            continue
        if status == 200:
            reads.ok += 1
        else:
            reads.failures.append(Failure(status, body))
    client.close()
    return reads


def wait_for(ledger: Ledger, acknowledged: int, timeout: float = 30) -> None:
    """Until the load has had `acknowledged` writes answered."""
    deadline = time.monotonic() + timeout
    while ledger.acknowledged < acknowledged:
        assert time.monotonic() < deadline, f"only {ledger.acknowledged} writes acknowledged"
        time.sleep(0.02)


def run_load(
    workers: int,
    buckets: Sequence[str],
    client_for: Callable[[int], Callable[[], Client]],
    *,
    seconds: float,
    during: Callable[[Ledger], None] | None = None,
    after: float = 1.0,
    label: str = "",
) -> Ledger:
    """Push from `workers` threads for up to `seconds`; `during(ledger)` runs meanwhile (the
    fault), and the load goes on for `after` seconds once it returns. `label` starts every
    fingerprint, so that runs on one store do not collide."""
    ledger = Ledger()
    stop = threading.Event()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=Pusher(i, buckets, ledger, client_for(i), label).run,
            args=(stop, deadline),
            daemon=True,
        )
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        if during is not None:
            during(ledger)
            time.sleep(after)
            stop.set()
    except BaseException:
        stop.set()
        raise
    finally:
        for thread in threads:
            thread.join(timeout=seconds + 60)
        stop.set()
    assert not any(thread.is_alive() for thread in threads), "a push worker hung"
    return ledger


def _allowed(push: Push, build_id: str) -> set[str]:
    allowed = {push.status[build_id]}
    if push.pending and push.pending[0] == "build" and push.pending[1] == build_id:
        allowed.add(push.pending[2])
    return allowed


def verify(c: Client, ledger: Ledger) -> dict[str, int]:
    """Read every acknowledged write back and check every version of the touched buckets."""
    versions_seen = complete_seen = 0
    for bucket in sorted(ledger.buckets):
        iterations = c.ok(
            "GET", c.v1 + f"/images/{bucket}/iterations", params={"pagination.page_size": 1000}
        )
        assert not iterations.get("pagination", {}).get("next_page_token"), "more than a page"
        by_fingerprint = {it["fingerprint"]: it for it in iterations["iterations"]}
        numbers = []
        for it in by_fingerprint.values():
            statuses = list(it.get("build_statuses", {}).values())
            complete = bool(it.get("complete"))
            assert complete == (bool(statuses) and all(s == "DONE" for s in statuses)), it
            number = int(it.get("incremental_version") or 0)
            assert (number > 0) == complete, it
            if complete:
                numbers.append(number)
        numbers.sort()
        assert numbers == list(range(1, len(numbers) + 1)), f"{bucket}: {numbers}"
        versions_seen += len(by_fingerprint)
        complete_seen += len(numbers)
        if numbers:
            latest = c.ok("GET", c.v2 + f"/buckets/{bucket}/channels/latest")["channel"]
            assert latest["version"]["name"] == f"v{numbers[-1]}", latest
    for push in ledger.pushes:
        if push.version_id is None:
            continue
        got = c.ok("GET", c.v2 + f"/buckets/{push.bucket}/versions/{push.fingerprint}")
        version = got["version"]
        assert version["id"] == push.version_id, (push, version)
        builds = {build["id"]: build for build in version.get("builds", [])}
        for component, build_id in push.builds.items():
            assert build_id in builds, (push, version)
            build = builds[build_id]
            assert build["component_type"] == component
            status = plain_status(build["status"])
            assert status in _allowed(push, build_id), (push, build)
            if status == "DONE":
                assert [a["external_identifier"] for a in build["artifacts"]] == [
                    f"img-{build_id}"
                ], build
        acked_done = len(push.builds) == len(COMPONENTS) and all(
            push.status[b] == "DONE" for b in push.builds.values()
        )
        if acked_done:
            assert version["name"] != "v0" and version["status"] == "VERSION_ACTIVE", version
        else:
            statuses = [plain_status(b["status"]) for b in builds.values()]
            assert (version["name"] != "v0") == (
                bool(statuses) and all(s == "DONE" for s in statuses)
            ), version
    for (bucket, channel), fingerprints in ledger.channels.items():
        status, body = c.call("GET", c.v2 + f"/buckets/{bucket}/channels/{channel}")
        if status == 404 and len(fingerprints) > 0 and not _channel_acked(ledger, bucket, channel):
            continue  # never acknowledged as created
        assert status == 200, body
        shown = body["channel"].get("version", {}).get("fingerprint")
        assert shown in fingerprints, (bucket, channel, shown, fingerprints)
    return {"versions": versions_seen, "complete": complete_seen}


def _channel_acked(ledger: Ledger, bucket: str, channel: str) -> bool:
    return any(
        push.finished and push.bucket == bucket and push.channel == channel
        for push in ledger.pushes
    )
