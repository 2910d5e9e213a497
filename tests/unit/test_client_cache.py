"""One build of a client at a time: a process that needs a client being built waits for it
and then finds it built; a build that failed in a run is not tried again in that run.

The stand-in `go` of test_client_builds.py plays a build that takes a while, so the waits
are real but nothing is compiled.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from tests.support.client_cache import BUILD_RUN, ClientBuildError, exclusive_build
from tests.support.clients import build_go_release
from tests.unit.test_client_builds import MODULE, archive
from tests.unit.test_client_builds import fake_go as fake_go  # a fixture used by name

REPOSITORY = Path(__file__).parents[2]


@pytest.fixture
def slow_go(fake_go: Path, tmp_path: Path) -> Path:
    """The stand-in `go`, whose build takes a second and a half."""
    script = tmp_path / "go"
    script.write_text(script.read_text().replace("#!/bin/sh\n", "#!/bin/sh\nsleep 1.5\n", 1))
    archive(tmp_path / "shared", "tool-v1.2.3")
    return fake_go


def test_a_client_being_built_is_waited_for_and_built_once(
    slow_go: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BUILD_RUN, raising=False)
    first: list[Path] = []
    builder = threading.Thread(
        target=lambda: first.append(build_go_release(MODULE, "v1.2.3", "tool"))
    )
    builder.start()
    time.sleep(0.5)  # the first build is under way (its `go install` sleeps 1.5s)
    started = time.monotonic()
    second = build_go_release(MODULE, "v1.2.3", "tool")
    waited = time.monotonic() - started
    builder.join()
    assert first == [second] and second.is_file()
    assert waited > 1.0, "the second request did not wait for the build under way"
    calls = [line.split(" ", 1)[1] for line in slow_go.read_text().splitlines()]
    assert calls == [f"install {MODULE}@v1.2.3", f"build -o {second} ."]  # built once


def test_a_build_held_by_another_process_is_waited_for(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "tool-1.2.3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import time
                from pathlib import Path
                from tests.support.client_cache import exclusive_build
                with exclusive_build(Path({str(target)!r})):
                    print("holding", flush=True)
                    time.sleep(1.5)
            """),
        ],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
    started = time.monotonic()
    with exclusive_build(target):
        waited = time.monotonic() - started
        assert holder.poll() is not None, "the lock was granted while the other process held it"
    assert waited > 0.5
    assert holder.wait() == 0


def test_a_wait_that_runs_out_fails_naming_the_client(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "tool-1.2.3"
    with (
        exclusive_build(target),
        pytest.raises(ClientBuildError, match=r"waiting for the build of tool-1\.2\.3"),
        exclusive_build(target, wait=0.3),
    ):
        pass


def test_a_failed_build_is_not_tried_again_in_the_same_run(
    fake_go: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No archive in shared/clients: `go install` is refused and the fallback is missing.
    monkeypatch.setenv(BUILD_RUN, "run-1")
    with pytest.raises(ClientBuildError, match="is missing"):
        build_go_release(MODULE, "v1.2.3", "tool")
    assert len(fake_go.read_text().splitlines()) == 1
    with pytest.raises(ClientBuildError) as again:
        build_go_release(MODULE, "v1.2.3", "tool")
    assert "failed earlier in this run" in str(again.value)
    assert "tool-v1.2.3.tar.gz is missing" in str(again.value)  # what the build said
    assert len(fake_go.read_text().splitlines()) == 1  # and `go` was not run again

    monkeypatch.setenv(BUILD_RUN, "run-2")  # another run tries again, and its build works
    archive(tmp_path / "shared", "tool-v1.2.3")
    built = build_go_release(MODULE, "v1.2.3", "tool")
    assert built.is_file() and len(fake_go.read_text().splitlines()) == 3
    assert not (tmp_path / "cache" / "tool-1.2.3.failed").exists()


def test_without_a_named_run_a_failed_build_is_tried_again(
    fake_go: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(BUILD_RUN, raising=False)
    for calls in (1, 2):
        with pytest.raises(ClientBuildError, match="is missing"):
            build_go_release(MODULE, "v1.2.3", "tool")
        assert len(fake_go.read_text().splitlines()) == calls


def test_the_cache_is_where_packyard_client_cache_says(tmp_path: Path) -> None:
    found = subprocess.run(
        [sys.executable, "-c", "from tests.support import clients; print(clients.CACHE_ROOT)"],
        cwd=REPOSITORY,
        env={"PACKYARD_CLIENT_CACHE": str(tmp_path / "elsewhere"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == str(tmp_path / "elsewhere")
