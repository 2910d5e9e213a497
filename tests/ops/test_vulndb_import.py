"""`packyard vulndb import`: bounded reads (a zip bomb cannot exhaust memory), and a corrupt
zip or bad JSON is a one-line error that leaves the database as it was."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.server import PACKYARD, packyard


def _record(identifier: str) -> dict[str, object]:
    return {
        "id": identifier,
        "affected": [{"package": {"name": "openssl"}, "versions": ["1.0.0"]}],
    }


def _count(data_dir: Path) -> int:
    with closing(sqlite3.connect(data_dir / "packyard.db")) as conn:
        return int(conn.execute("SELECT count(*) FROM vulnerabilities").fetchone()[0])


def _one_line_error(result: subprocess.CompletedProcess[str], *says: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for part in says:
        assert part in lines[0], lines[0]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A store with one record imported already."""
    data_dir = tmp_path / "data"
    first = tmp_path / "first.json"
    first.write_text(json.dumps(_record("OSV-FIRST")))
    packyard("vulndb", "import", str(first), data_dir=data_dir)
    return data_dir


def test_a_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path, data_dir: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("a.json", json.dumps(_record("OSV-A")))
        with archive.open("b.json", "w") as member:
            block = b" " * (1 << 20)
            for _ in range(512):  # 512 MiB of white space around nothing
                member.write(block)
    assert bomb.stat().st_size < 2 << 20
    # Peak memory of the command alone, measured by a parent that runs only it.
    measure = (
        "import resource, subprocess, sys; "
        "result = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(result.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(result.returncode)"
    )
    args = [str(bomb), "--data-dir", str(data_dir)]
    result = subprocess.run(
        [sys.executable, "-c", measure, *PACKYARD, "vulndb", "import", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert int(result.stdout) < 250 * 1024, f"peak {int(result.stdout) // 1024} MiB"
    _one_line_error(result, f"{bomb}:b.json", "--max-record-bytes")
    assert _count(data_dir) == 1  # nothing of the zip was kept, not even a.json

    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(5):
            archive.writestr(f"{index}.json", json.dumps(_record(f"OSV-{index}")))
    total = packyard(
        "vulndb", "import", str(many), "--max-total-bytes", "300", data_dir=data_dir, check=False
    )
    _one_line_error(total, "--max-total-bytes")
    assert _count(data_dir) == 1
    packyard("vulndb", "import", str(many), data_dir=data_dir)
    assert _count(data_dir) == 6


def test_corrupt_zips_and_bad_records_are_one_line_errors(tmp_path: Path, data_dir: Path) -> None:
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", json.dumps(_record("OSV-A")))
        archive.writestr("b.json", json.dumps(_record("OSV-B")) * 20)
    raw = good.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(raw[: len(raw) // 2])
    damaged = tmp_path / "damaged.zip"  # b.json's compressed bytes altered: a CRC error
    offset = raw.index(b"b.json") + len("b.json") + 8
    damaged.write_bytes(
        raw[:offset] + bytes(b ^ 0x55 for b in raw[offset : offset + 16]) + raw[offset + 16 :]
    )
    not_json = tmp_path / "not-json.zip"
    with zipfile.ZipFile(not_json, "w") as archive:
        archive.writestr("a.json", json.dumps(_record("OSV-A")))
        archive.writestr("b.json", b'{"id": "OSV-B", \xff')
    misshapen = tmp_path / "misshapen.json"
    misshapen.write_text(
        json.dumps([_record("OSV-C"), {"id": "OSV-D", "affected": [5], "aliases": 7}])
    )
    for bad, says in (
        (truncated, f"{truncated} is not a readable zip"),
        (damaged, f"{damaged} is not a readable zip"),
        (not_json, f"{not_json}:b.json is not JSON"),
        (misshapen, f"{misshapen}: not an OSV record"),
    ):
        result = packyard("vulndb", "import", str(bad), data_dir=data_dir, check=False)
        _one_line_error(result, says)
        assert "Traceback" not in result.stderr
        assert _count(data_dir) == 1
