"""The cache of built clients, and one build at a time per client across processes.

Built clients live under PACKYARD_CLIENT_CACHE (by default ~/.cache/packyard), one directory
per client and version. While a process builds a client it holds `<dir>.lock` (an flock, so
it is let go however the process ends): another process that needs the same client (a test,
while scripts/test's background prebuild is building it) waits for it instead of building it
twice, and then finds it built.

A run of the suite is named by PACKYARD_CLIENT_BUILD_RUN (scripts/test sets it). A build that
fails in a run leaves `<dir>.failed` with what it said, and later requests for that client in
the same run fail at once with that message instead of building it again; a marker of another
run (or with no run named) is ignored, and a build that succeeds removes it.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CACHE_ROOT = Path(os.environ.get("PACKYARD_CLIENT_CACHE") or Path.home() / ".cache" / "packyard")
"""Where built clients are kept: PACKYARD_CLIENT_CACHE, by default ~/.cache/packyard."""

BUILD_RUN = "PACKYARD_CLIENT_BUILD_RUN"
LOCK_WAIT = 45 * 60  # seconds; longer than any one build step (clients.BUILD_TIMEOUT)


class ClientBuildError(RuntimeError):
    """A client binary could not be built; the message carries the build output."""


def _run() -> str:
    return os.environ.get(BUILD_RUN, "")


def _earlier_failure(marker: Path) -> str | None:
    """What a failed build of this run said, or None."""
    run = _run()
    if not run or not marker.is_file():
        return None
    found_run, _, said = marker.read_text().partition("\n")
    return said if found_run == run else None


@contextmanager
def exclusive_build(target_dir: Path, *, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the build lock of the client kept in `target_dir` for the body of the block.

    Waits (up to `wait` seconds) while another process holds it. Raises ClientBuildError when
    the wait runs out, or when a build of this client failed earlier in this run. When the
    body raises in a named run, what it raised is kept for later requests of the run.
    """
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target_dir.with_name(target_dir.name + ".lock")
    marker = target_dir.with_name(target_dir.name + ".failed")
    with open(lock_path, "a+") as lock:
        started = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "another process"
                waited = time.monotonic() - started
                if waited > wait:
                    raise ClientBuildError(
                        f"gave up after {waited:.0f}s waiting for the build of {target_dir.name}"
                        f" (held by {holder})"
                    ) from None
                if not told:
                    print(
                        f"waiting for the build of {target_dir.name} (held by {holder})",
                        file=sys.stderr,
                    )
                    told = True
                time.sleep(1)
        if told:
            print(
                f"waited {time.monotonic() - started:.0f}s for the build of {target_dir.name}",
                file=sys.stderr,
            )
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}\n")
        lock.flush()
        said = _earlier_failure(marker)
        if said is not None:
            raise ClientBuildError(
                f"the build of {target_dir.name} failed earlier in this run"
                f" ({BUILD_RUN}={_run()}), so it is not tried again:\n{said}"
            )
        try:
            yield
        except Exception as exc:
            if _run():
                marker.write_text(f"{_run()}\n{type(exc).__name__}: {exc}")
            raise
        marker.unlink(missing_ok=True)
