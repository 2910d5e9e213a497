"""A server worker freezes what its start-up made, so the collector's full passes skip it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from packyard.cli_support import open_store
from packyard.config import Settings

_PROBE = """
import gc
from packyard.wire.app import app_from_env
before = gc.get_freeze_count()
app_from_env()
print(before, gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_worker_factory_freezes_its_start_up_heap(tmp_path: Path) -> None:
    open_store(Settings(data_dir=tmp_path, insecure_http=True)).dispose()  # migrated, as serve
    env = {**os.environ, "PACKYARD_DATA_DIR": str(tmp_path), "PACKYARD_INSECURE_HTTP": "1"}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout
    before, frozen, tracked = (int(field) for field in out.split())
    assert before == 0
    # The modules, routes, tables and templates: tens of thousands of objects, frozen; what
    # the collector still tracks is only what came after the freeze.
    assert frozen > 50_000
    assert tracked < frozen / 10
