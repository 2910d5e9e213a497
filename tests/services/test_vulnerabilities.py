"""The offline OSV database, and what a bucket's channels ship that it knows of."""

from __future__ import annotations

import json
from pathlib import Path

import zstandard

from packyard.domain.sbom import SbomFormat, read_upload
from packyard.ids import utcnow
from packyard.services import sboms, vulnerabilities
from packyard.services.sboms import PackageFilter
from tests.services.conftest import Registry

SPDX = {
    "spdxVersion": "SPDX-2.3",
    "name": "m",
    "packages": [{"name": "zlib", "versionInfo": "1.2"}],
}


def _osv(identifier: str, versions: list[str]) -> dict[str, object]:
    return {
        "id": identifier,
        "modified": "2024-01-01T00:00:00Z",
        "summary": "zlib overflow",
        "affected": [{"package": {"name": "zlib", "ecosystem": "Debian"}, "versions": versions}],
    }


def test_an_imported_record_matches_the_packages_it_affects(registry: Registry, tmp_path: Path):
    (tmp_path / "hit.json").write_text(json.dumps(_osv("OSV-1", ["1.2"])))
    (tmp_path / "miss.json").write_text(json.dumps(_osv("OSV-2", ["9.9"])))
    build = registry.push("app", "f1").builds[0]
    upload = read_upload(
        zstandard.ZstdCompressor().compress(json.dumps(SPDX).encode()), SbomFormat.SPDX
    )
    with registry.work() as work:
        count = vulnerabilities.import_osv(work, [tmp_path], now=utcnow())
        sboms.upload_sbom(
            work, registry.scope, build_id=build.id, upload=upload, name="os", now=utcnow()
        )
    with registry.work(write=False) as work:
        shipped = sboms.build_packages(
            work, registry.scope, build_id=build.id, only=PackageFilter()
        )
        hits = vulnerabilities.matches(work, shipped)
    assert count == 2
    assert [item.package.name for item in shipped] == ["zlib"]
    assert {index: [v.identifier for v in found] for index, found in hits.items()} == {0: ["OSV-1"]}
