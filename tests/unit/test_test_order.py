"""The suite's order: tests needing no built client first, then the e2e modules in the order
their clients are built in the background (tests/conftest.py, tests/support/prebuild.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import prebuild

REPOSITORY = Path(__file__).parents[2]
E2E_MARK = re.compile(r"^(pytestmark = |@)pytest\.mark\.e2e\b", re.MULTILINE)


def test_every_e2e_module_names_the_builds_it_needs() -> None:
    marked = {
        path.relative_to(REPOSITORY).as_posix()
        for path in (REPOSITORY / "tests").rglob("test_*.py")
        if E2E_MARK.search(path.read_text())
    }
    assert marked, "no e2e module found"
    assert marked - set(prebuild.NEEDS) == set(), "e2e modules missing from prebuild.NEEDS"
    assert set(prebuild.NEEDS) - marked == set(), "prebuild.NEEDS names modules that are gone"
    named = {name for needed in prebuild.NEEDS.values() for name in needed}
    assert named <= set(prebuild.BUILDS)


def test_tests_needing_no_client_run_first_then_e2e_by_their_last_build() -> None:
    asked = [
        "tests/e2e/test_terraform_iterations.py",  # the oldest provider: built last
        "tests/e2e/test_sso.py",  # the OpenID provider: built early
        "tests/unit/test_ids.py",
        "tests/e2e/test_console_webhooks.py",  # axe-core: built first
        "tests/unit/test_trust.py",
    ]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *asked],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    modules: list[str] = []
    for line in collected.stdout.splitlines():
        module = line.partition("::")[0]
        if "::" in line and module not in modules:
            modules.append(module)
    assert modules == [
        "tests/unit/test_ids.py",
        "tests/unit/test_trust.py",
        "tests/e2e/test_console_webhooks.py",
        "tests/e2e/test_sso.py",
        "tests/e2e/test_terraform_iterations.py",
    ]
