"""Build every client the suite uses into the caches, in the order the suite needs them.

`python -m tests.support.prebuild [NAME ...]` builds each client of BUILDS (or only those
named) unless it is cached, one after another, and prints a line per client with the time it
took. scripts/test runs it niced in the background while lint and the tiers that need no
client run; the tests that need a client run last (tests/conftest.py orders them by NEEDS,
so a test needs only what is built before it) and wait for a client still being built
(client_cache.exclusive_build). A failed build is kept for the run and fails the tests that
need that client with what the build said. Exits 1 if a build failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support import clients
from tests.support.client_cache import CACHE_ROOT, ClientBuildError, exclusive_build
from tests.support.oidc_provider import provider_binary

TESTS = Path(__file__).resolve().parents[1]
SDK_MODULE = TESTS / "sdk"
TRUSTCHECK = TESTS / "e2e" / "trustcheck" / "main.go"
SDK_TESTS = "hcp-sdk-go-tests"
TRUSTCHECK_NAME = "trustcheck"


def _go_build_cache(name: str, step: list[str], workdir: Path) -> Callable[[], object]:
    """A build whose product is Go's own build cache (the tests link from it when they run)."""

    def build() -> object:
        with exclusive_build(CACHE_ROOT / name):
            env = {**os.environ, "GOFLAGS": os.environ.get("GOFLAGS", "-buildvcs=false")}
            result = subprocess.run(
                [clients._go(), *step],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=clients.BUILD_TIMEOUT,
            )
            if result.returncode != 0:
                raise ClientBuildError(
                    f"`go {' '.join(step)}` in {workdir} failed:\n{result.stdout}{result.stderr}"
                )
        return name

    return build


def awaited(name: str) -> None:
    """Wait while the prebuild builds `name` (a Go build cache entry of BUILDS); raise
    ClientBuildError if it failed in this run."""
    with exclusive_build(CACHE_ROOT / name):
        pass


def _axe_core() -> object:
    from tests.support.browser import axe_core  # Playwright: only when it is built

    return axe_core()


BUILDS: dict[str, Callable[[], object]] = {
    "axe-core": _axe_core,
    "zitadel-oidc-op": provider_binary,
    SDK_TESTS: _go_build_cache(SDK_TESTS, ["test", "-count=1", "-run", "^$", "./..."], SDK_MODULE),
    TRUSTCHECK_NAME: _go_build_cache(
        TRUSTCHECK_NAME, ["build", "-o", os.devnull, str(TRUSTCHECK)], TRUSTCHECK.parent
    ),
    "packer-current": clients.packer_current,
    "packer-1.9": clients.packer_19,
    "terraform": clients.terraform,
    "hcp-provider": clients.hcp_provider,
    "hcp-provider-newest": lambda: clients.hcp_provider_release(
        clients.HCP_PROVIDER_NEWEST_VERSION
    ),
    "hcp-provider-oldest": lambda: clients.hcp_provider_release(
        clients.HCP_PROVIDER_OLDEST_VERSION
    ),
}
"""Every client build, in the order they are built (cheap ones and the most needed first)."""

NEEDS: dict[str, tuple[str, ...]] = {
    "tests/e2e/test_console_webhooks.py": ("axe-core",),
    "tests/e2e/test_sso.py": ("zitadel-oidc-op", "axe-core"),
    "tests/e2e/test_console_vulnerabilities.py": ("axe-core",),
    "tests/e2e/test_sdk_go.py": (SDK_TESTS,),
    "tests/e2e/test_sdk_go_webhooks.py": (SDK_TESTS,),
    "tests/e2e/test_console_browser.py": ("axe-core", "packer-current"),
    "tests/e2e/test_packer_current.py": ("packer-current",),
    "tests/e2e/test_packer_current_lineage.py": ("packer-current",),
    "tests/e2e/test_packer_webhooks.py": ("packer-current",),
    "tests/e2e/test_packer_workload.py": ("packer-current",),
    "tests/e2e/test_packer_19.py": ("packer-1.9",),
    "tests/concurrency/test_replicas_packer.py": ("packer-1.9", "packer-current"),
    "tests/e2e/test_trust_bundle.py": (TRUSTCHECK_NAME, "packer-1.9", "packer-current"),
    "tests/e2e/test_terraform.py": ("terraform", "hcp-provider", "hcp-provider-newest"),
    "tests/e2e/test_terraform_webhooks.py": ("terraform", "hcp-provider", "hcp-provider-newest"),
    "tests/e2e/test_terraform_workload.py": ("terraform", "hcp-provider-newest"),
    "tests/e2e/test_terraform_iterations.py": ("terraform", "hcp-provider-oldest"),
}
"""The builds each module of e2e tests needs (paths from the repository root)."""


def rank(module: str) -> int:
    """Where a module of e2e tests goes in the run: after the last build it needs is built.
    A module not in NEEDS goes after all."""
    order = list(BUILDS)
    needed = NEEDS.get(module)
    if needed is None:
        return len(order)
    return max(order.index(name) for name in needed)


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BUILDS))
    if unknown:
        print(f"unknown builds {unknown}; the builds are {list(BUILDS)}", file=sys.stderr)
        return 2
    failed = 0
    for name, build in BUILDS.items():
        if names and name not in names:
            continue
        started = time.monotonic()
        try:
            built = build()
        except Exception as exc:  # every failure is reported; the tests that need it fail
            failed += 1
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"prebuild {name}: FAILED after {time.monotonic() - started:.0f}s: {first}")
        else:
            print(f"prebuild {name}: {time.monotonic() - started:.0f}s ({built})")
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
