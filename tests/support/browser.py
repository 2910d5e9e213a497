"""A real browser for the console's tests: Debian's chromium driven by Playwright, with
axe-core (from npm, cached under ~/.cache/packyard/axe-core-<version>) for accessibility."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.client_cache import CACHE_ROOT, exclusive_build

CHROMIUM = "/usr/bin/chromium"
AXE_VERSION = "4.10.2"
CACHE = CACHE_ROOT
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "console"


def axe_core() -> Path:
    """axe.min.js of AXE_VERSION, installed with npm on first use (one process at a time)."""
    prefix = CACHE / f"axe-core-{AXE_VERSION}"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    with exclusive_build(prefix):
        if script.exists():
            return script
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install axe-core for the accessibility checks")
        subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(prefix),
                f"axe-core@{AXE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            browser.close()


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now, with the page's
    Content-Security-Policy in force: axe's source is evaluated by the browser's devtools
    protocol (as page.evaluate does), which the page's CSP does not govern, not added to the
    page as a script it would refuse."""
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(axe_core().read_text(encoding="utf-8") + "\n;undefined")
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": item["id"],
            "impact": item["impact"],
            "help": item["help"],
            "nodes": [node["html"][:200] for node in item["nodes"][:3]],
        }
        for item in result["violations"]
        if item["impact"] in ("serious", "critical")
    ]
