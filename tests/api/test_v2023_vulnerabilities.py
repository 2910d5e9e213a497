"""Vulnerabilities of shipped packages, from OSV records the operator imports offline."""

from __future__ import annotations

import json
import zipfile

from tests.api.conftest import error
from tests.api.test_v2023_supply_chain import SPDX, _build_path, _zstd
from tests.support.server import packyard


def _osv(identifier: str, name: str, events: list[dict[str, str]], severity: str) -> dict:
    return {
        "id": identifier,
        "summary": f"{name} is broken",
        "aliases": [f"ALIAS-{identifier}"],
        "published": "2024-01-02T03:04:05Z",
        "affected": [
            {
                "package": {"ecosystem": "Ubuntu", "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        "database_specific": {"severity": severity},
    }


def test_import_and_report(live_server, admin, viewer, name, tmp_path):
    # openssl 3.0.2 is affected by two records; zlib 1.2.13 is past its fix.
    records = [
        _osv(f"{name}-A", "openssl", [{"introduced": "0"}, {"fixed": "3.0.8"}], "HIGH"),
        _osv(f"{name}-B", "openssl", [{"introduced": "3.0.0"}, {"fixed": "3.0.3"}], "CRITICAL"),
        _osv(f"{name}-C", "zlib", [{"introduced": "0"}, {"fixed": "1.2.12"}], "MODERATE"),
    ]
    (tmp_path / "a.json").write_text(json.dumps(records[0]))
    with zipfile.ZipFile(tmp_path / "more.zip", "w") as archive:
        for record in records[1:]:
            archive.writestr(f"{record['id']}.json", json.dumps(record))
    result = packyard(
        "vulndb",
        "import",
        str(tmp_path / "a.json"),
        str(tmp_path / "more.zip"),
        data_dir=live_server.data_dir,
        database=live_server.database,
    )
    assert "imported 3" in result.stdout

    build = _build_path(admin, name)
    admin.put(
        build + "/sboms",
        json={"compressed_sbom": _zstd(json.dumps(SPDX).encode()), "format": "SPDX", "name": "os"},
    )
    bucket = viewer.v2 + f"/buckets/{name}"
    found = viewer.get(bucket + "/vulnerabilities").json()["vulnerabilities"]
    assert [item["vulnerability"]["identifier"] for item in found] == [f"{name}-A", f"{name}-B"]
    first = found[0]
    assert first["vulnerability"]["criticality"] == "HIGH"
    assert first["vulnerability"]["fixed_version"] == "3.0.8"
    assert first["impacted_packages"] == [
        {"name": "openssl", "version": "3.0.2", "purl": "pkg:deb/ubuntu/openssl@3.0.2"}
    ]
    assert first["impacted_channels"][0]["name"] == "latest"
    critical = viewer.get(bucket + "/vulnerabilities", params={"criticality": "critical"}).json()
    assert [i["vulnerability"]["identifier"] for i in critical["vulnerabilities"]] == [f"{name}-B"]
    error(viewer.get(bucket + "/vulnerabilities", params={"criticality": "DIRE"}), 400, 3)

    vulnerable = viewer.get(bucket + "/packages/with-vulnerabilities").json()["packages"]
    assert [p["name"] for p in vulnerable] == ["openssl"]
    details = vulnerable[0]["vuln_details"][0]["vulnerabilities"]
    assert {d["identifier"] for d in details} == {f"{name}-A", f"{name}-B"}
    all_packages = viewer.get(build + "/packages").json()["packages"]
    zlib = next(p for p in all_packages if p["name"] == "zlib")
    assert "vuln_details" not in zlib

    summary = viewer.get(bucket + "/packages/vulnerability-summary").json()
    assert summary["total_by_criticality"] == [
        {"criticality": "CRITICAL", "vulnerability_count": "1"},
        {"criticality": "HIGH", "vulnerability_count": "1"},
    ]
    assert {c["channel_name"] for c in summary["channels_by_criticality"]} == {"latest"}


def test_without_a_database_answers_empty(admin, name):
    _build_path(admin, name)
    bucket = admin.v2 + f"/buckets/{name}"
    assert admin.get(bucket + "/vulnerabilities").json()["vulnerabilities"] == []
    assert admin.get(bucket + "/packages/with-vulnerabilities").json()["packages"] == []
    summary = admin.get(bucket + "/packages/vulnerability-summary").json()
    assert summary == {
        "packages_by_criticality": [],
        "channels_by_criticality": [],
        "total_by_criticality": [],
    }


def test_bad_records_refused(live_server, tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"summary": "no id"}))
    result = packyard(
        "vulndb",
        "import",
        str(tmp_path / "bad.json"),
        data_dir=live_server.data_dir,
        database=live_server.database,
        check=False,
    )
    assert result.returncode == 1 and "id" in result.stderr


def test_versions_of_thousands_of_digits_are_compared(live_server, admin, viewer, name, tmp_path):
    """A version run longer than int() takes (4300 digits) once made these reads answer 500."""
    ssl, zlib = f"openssl-{name}", f"zlib-{name}"  # records of their own: the database is shared
    records = [
        _osv(f"{name}-L", ssl, [{"introduced": "0"}, {"fixed": "3.0." + "9" * 5000}], "LOW"),
        _osv(f"{name}-Z", zlib, [{"introduced": "1." + "0" * 4999 + "3"}], "LOW"),  # from 1.3
    ]
    (tmp_path / "long.json").write_text(json.dumps(records))
    imported = packyard(
        "vulndb",
        "import",
        str(tmp_path / "long.json"),
        data_dir=live_server.data_dir,
        database=live_server.database,
    )
    assert "imported 2" in imported.stdout
    build = _build_path(admin, name)
    document = {
        "spdxVersion": "SPDX-2.3",
        "packages": [{"name": ssl, "versionInfo": "3.0.2"}, {"name": zlib, "versionInfo": "1.2"}],
    }
    uploaded = admin.put(
        build + "/sboms",
        json={"compressed_sbom": _zstd(json.dumps(document).encode()), "format": "SPDX"},
    )
    assert uploaded.status_code == 200, uploaded.text
    bucket = viewer.v2 + f"/buckets/{name}"
    found = viewer.get(bucket + "/vulnerabilities")
    assert found.status_code == 200, found.text
    assert [i["vulnerability"]["identifier"] for i in found.json()["vulnerabilities"]] == [
        f"{name}-L"
    ]
    for path in ("/packages", "/packages/with-vulnerabilities", "/packages/vulnerability-summary"):
        assert viewer.get(bucket + path).status_code == 200, path
    assert viewer.get(build + "/packages").status_code == 200
