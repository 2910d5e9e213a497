"""Where ../shared/ is: the specs and client sources kept beside the repository."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@cache
def shared_dir() -> Path:
    """`shared/` beside the repository. From a `git worktree` that has none beside it, the
    one beside the main checkout (found through git's common directory)."""
    beside = REPO_ROOT.parent / "shared"
    if beside.is_dir() or not (REPO_ROOT / ".git").is_file():
        return beside
    common = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if common.returncode != 0:
        return beside
    return Path(common.stdout.strip()).parent.parent / "shared"
