"""The layer contracts in .importlinter hold on the source tree, and a forbidden import breaks them.

Each case copies src/ and .importlinter to a scratch directory, adds one import a contract
forbids, and runs `lint-imports` there with the copy first on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    command = [str(LINT_IMPORTS)] if LINT_IMPORTS.exists() else ["lint-imports"]
    return subprocess.run(
        [*command, "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    shutil.copy(ROOT / ".importlinter", tree / ".importlinter")
    return tree


def test_the_source_tree_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "domain/registry.py",
            "import packyard.store",
            "The domain imports only packyard.errors and packyard.ids",
        ),
        (
            "domain/identity.py",
            "import packyard.config",
            "The domain imports only packyard.errors and packyard.ids",
        ),
        ("store/tenants.py", "import packyard.services.registry", "Clients (wire, CLI"),
        ("services/builds.py", "import packyard.auth.tokens", "Clients (wire, CLI"),
        (
            "wire/v2021/shapes.py",
            "import packyard.wire.v2023.shapes",
            "The 2021-04-30 and 2023-01-01 planes never import each other",
        ),
        (
            "wire/registry_handlers.py",
            "import packyard.store.repository",
            "The wire never imports the store",
        ),
        ("cli_keys.py", "import packyard.wire.app", "The CLI never imports the wire"),
        ("services/iam.py", "import sqlalchemy", "The services see neither SQLAlchemy"),
        ("services/buckets.py", "import packyard.store.tables", "The services see neither"),
        ("wire/http.py", "import sqlalchemy", "The wire never imports the store"),
        ("domain/audit.py", "import sqlalchemy", "The domain imports only"),
        ("people/client.py", "import packyard.store.engine", "The people's commands are"),
        ("people/output.py", "import packyard.auth.tokens", "The people's commands are"),
        ("people/lookup.py", "import packyard.services.buckets", "The people's commands are"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    tree = _copy(tmp_path)
    path = tree / "src" / "packyard" / module
    path.write_text(path.read_text() + f"\n{line}  # the import under test\n")
    result = _lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken, result.stdout
    assert line.split()[-1] in broken, result.stdout
