"""SBOM upload and download, the packages they list, and artifact search (2023-01-01)."""

from __future__ import annotations

import base64
import json

import zstandard

from tests.api.conftest import error
from tests.api.test_v2023 import push2023

SPDX = {
    "spdxVersion": "SPDX-2.3",
    "name": "image",
    "packages": [
        {
            "name": "openssl",
            "versionInfo": "3.0.2",
            "externalRefs": [
                {"referenceType": "purl", "referenceLocator": "pkg:deb/ubuntu/openssl@3.0.2"}
            ],
            "licenseConcluded": "Apache-2.0",
        },
        {"name": "zlib", "versionInfo": "1.2.13"},
    ],
}
CYCLONEDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "components": [
        {
            "name": "curl",
            "version": "8.5.0",
            "purl": "pkg:deb/ubuntu/curl@8.5.0",
            "components": [{"name": "libcurl", "version": "8.5.0"}],
        },
    ],
}


def _zstd(data: bytes) -> str:
    return base64.b64encode(zstandard.ZstdCompressor().compress(data)).decode()


def _build_path(admin, name: str) -> str:
    version = push2023(admin, name, "fp-1")
    build = version["builds"][0]
    return admin.v2 + f"/buckets/{name}/versions/fp-1/builds/{build['id']}"


def test_upload_list_get_download(admin, viewer, name):
    build = _build_path(admin, name)
    spdx = admin.put(
        build + "/sboms",
        json={"compressed_sbom": _zstd(json.dumps(SPDX).encode()), "format": "SPDX", "name": "os"},
    )
    assert spdx.status_code == 200, spdx.text
    assert spdx.json()["sbom"]["name"] == "os"
    unnamed = admin.put(
        build + "/sboms",
        json={"compressed_sbom": _zstd(json.dumps(CYCLONEDX).encode()), "format": "CYCLONEDX"},
    )
    assert unnamed.json()["sbom"]["name"] == "sbom-cyclonedx"
    again = admin.put(
        build + "/sboms",
        json={"compressed_sbom": _zstd(json.dumps(CYCLONEDX).encode()), "format": "CYCLONEDX"},
    )
    error(again, 409, 6)
    listed = viewer.get(build + "/sboms").json()["sboms"]
    assert [(s["name"], s["format"]) for s in listed] == [
        ("os", "SPDX"),
        ("sbom-cyclonedx", "CYCLONEDX"),
    ]
    url = viewer.get(build + "/sboms/os").json()["download_url"]
    assert url.startswith(admin.server.base_url)
    downloaded = viewer.http.get(url)
    assert downloaded.status_code == 200 and downloaded.json() == SPDX
    assert admin.http.get(url, headers={"Authorization": ""}).status_code == 401
    error(viewer.get(build + "/sboms/missing"), 404, 5)

    packages = viewer.get(build + "/packages").json()["packages"]
    assert [(p["name"], p["version"]) for p in packages] == [
        ("curl", "8.5.0"),
        ("libcurl", "8.5.0"),
        ("openssl", "3.0.2"),
        ("zlib", "1.2.13"),
    ]
    openssl = next(p for p in packages if p["name"] == "openssl")
    assert openssl["purl"] == "pkg:deb/ubuntu/openssl@3.0.2"
    assert openssl["sboms"][0]["name"] == "os"
    starts = viewer.get(build + "/packages", params={"package_name_starts_with": "lib"}).json()
    assert [p["name"] for p in starts["packages"]] == ["libcurl"]
    in_bucket = viewer.get(
        admin.v2 + f"/buckets/{name}/packages", params={"package_name": "openssl"}
    ).json()["packages"]
    assert [(p["name"], p["channel_name"]) for p in in_bucket] == [("openssl", "latest")]


def test_bad_sboms_store_nothing(admin, name):
    build = _build_path(admin, name)
    cases = [
        {"compressed_sbom": base64.b64encode(b"not zstd").decode(), "format": "SPDX"},
        {"compressed_sbom": _zstd(b"not json"), "format": "SPDX"},
        {"compressed_sbom": _zstd(json.dumps(CYCLONEDX).encode()), "format": "SPDX"},
        {"compressed_sbom": _zstd(json.dumps(SPDX).encode()), "format": "CYCLONEDX"},
        {"compressed_sbom": _zstd(json.dumps(SPDX).encode()), "format": "XML"},
        {"compressed_sbom": "%%%not-base64", "format": "SPDX"},
        {"format": "SPDX"},
        {"compressed_sbom": _zstd(b" " * (65 * 1024 * 1024) + b"{}"), "format": "SPDX"},
    ]
    for body in cases:
        error(admin.put(build + "/sboms", json=body), 400, 3)
    assert admin.get(build + "/sboms").json()["sboms"] == []
    assert admin.get(build + "/packages").json()["packages"] == []


def test_search_external_artifact(admin, name):
    version = push2023(admin, name, "fp-1", components=(f"amazon.{name}",))
    found = admin.post(
        admin.v2 + "/_search/external_artifact", json={"external_identifier": f"ext-amazon.{name}"}
    ).json()["artifacts"]
    assert len(found) == 1
    assert found[0]["bucket"]["name"] == name
    assert found[0]["version"]["id"] == version["id"]
    assert found[0]["version"]["status"] == "VERSION_ACTIVE"
    assert found[0]["build"]["component_type"] == f"amazon.{name}"
    none = admin.post(
        admin.v2 + "/_search/external_artifact",
        json={"external_identifier": f"ext-amazon.{name}", "region": "elsewhere"},
    )
    assert none.json()["artifacts"] == []
    error(admin.post(admin.v2 + "/_search/external_artifact", json={}), 400, 3)


def _cyclonedx(components: bytes) -> bytes:
    return b'{"bomFormat":"CycloneDX","specVersion":"1.5","components":[' + components + b"]}"


def _nested(depth: int) -> bytes:
    """CycloneDX components each inside the one before, `depth` deep."""
    return _cyclonedx(
        b'{"name":"c","components":[' * (depth - 1) + b'{"name":"c"}' + b"]}" * (depth - 1)
    )


def _spdx(field: str, entries: bytes) -> bytes:
    return b'{"spdxVersion":"SPDX-2.3","' + field.encode() + b'":[' + entries + b"]}"


def test_documents_past_the_bounds_are_refused_with_the_reason(admin, name):
    """Counts a few KB of zstd can carry, nesting that once answered 500: 400 code 3, nothing
    kept. The bounds: 100000 packages, 1000000 relationships, components 32 deep, 64 MiB."""
    build = _build_path(admin, name)
    cases = {
        "CYCLONEDX": [
            (_cyclonedx(b",".join([b'{"name":"a"}'] * 800_000)), "more than 100000 packages"),
            (
                _cyclonedx(b'{"name":"a"}').replace(
                    b"]}", b'],"dependencies":[' + b",".join([b"{}"] * 1_000_001) + b"]}"
                ),
                "more than 1000000 relationships",
            ),
            (_nested(33), "more than 32 deep"),
            (_nested(5000), "nests too deeply"),
            (_cyclonedx(b'{"name":"a","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"), "deeply"),
        ],
        "SPDX": [
            (_spdx("packages", b",".join([b'{"name":"p"}'] * 100_001)), "100000 packages"),
            (_spdx("relationships", b",".join([b"{}"] * 1_000_001)), "1000000 relationships"),
            (
                _spdx("packages", b'{"name":"p","x":' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
                "deeply",
            ),
            (
                b'{"spdxVersion":"SPDX-2.3","x":"' + b"a" * (64 * 1024 * 1024) + b'"}',
                "exceeds 67108864 bytes",
            ),
        ],
    }
    for format, documents in cases.items():
        for document, reason in documents:
            compressed = zstandard.ZstdCompressor().compress(document)
            assert len(compressed) < 64 * 1024, len(compressed)
            body = {"compressed_sbom": base64.b64encode(compressed).decode(), "format": format}
            refused = error(admin.put(build + "/sboms", json=body), 400, 3)
            assert reason in refused["message"], (reason, refused["message"])
    assert admin.get(build + "/sboms").json()["sboms"] == []
    assert admin.get(build + "/packages").json()["packages"] == []
    # Within the bounds: 32 deep is read whole.
    kept = admin.put(
        build + "/sboms", json={"compressed_sbom": _zstd(_nested(32)), "format": "CYCLONEDX"}
    )
    assert kept.status_code == 200, kept.text
    assert len(admin.get(build + "/packages").json()["packages"]) == 32
