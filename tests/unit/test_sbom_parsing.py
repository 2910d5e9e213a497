"""Reading uploaded SBOMs: the bounds, zstd bombs, and a fuzz lane over both formats."""

from __future__ import annotations

import json

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from packyard.domain.sbom import (
    Package,
    SbomFormat,
    SbomLimits,
    decompress,
    parse,
    read_upload,
)
from packyard.errors import InvalidArgument
from tests.support.sbom_documents import FORMATS, documents

SMALL = SbomLimits(max_bytes=4096, max_packages=8, max_relationships=4, max_details=6, max_depth=3)


def _refused(data: bytes, format: SbomFormat, limits: SbomLimits = SMALL) -> str:
    with pytest.raises(InvalidArgument) as refused:
        parse(data, format, limits)
    return refused.value.message


def _components(count: int, extra: str = "") -> bytes:
    items = [{"name": f"c{n}", "version": "1"} for n in range(count)]
    return json.dumps(
        {"bomFormat": "CycloneDX", "components": items, **json.loads(extra or "{}")}
    ).encode()


def test_counts_are_bounded_in_both_formats():
    assert len(parse(_components(8), SbomFormat.CYCLONEDX, SMALL)) == 8
    assert "more than 8 packages" in _refused(_components(9), SbomFormat.CYCLONEDX)
    # Unnamed entries are not listed, but they are counted.
    unnamed = json.dumps({"bomFormat": "CycloneDX", "components": [{}] * 9}).encode()
    assert "more than 8 packages" in _refused(unnamed, SbomFormat.CYCLONEDX)
    dependencies = _components(1, json.dumps({"dependencies": [{"ref": "a"}] * 5}))
    assert "more than 4 relationships" in _refused(dependencies, SbomFormat.CYCLONEDX)
    spdx = {"spdxVersion": "SPDX-2.3", "packages": [{"name": "p"}] * 9}
    assert "more than 8 packages" in _refused(json.dumps(spdx).encode(), SbomFormat.SPDX)
    related = {"spdxVersion": "SPDX-2.3", "relationships": [{}] * 5}
    assert "more than 4 relationships" in _refused(json.dumps(related).encode(), SbomFormat.SPDX)
    refs = {"spdxVersion": "SPDX-2.3", "packages": [{"name": "p", "externalRefs": [{}] * 7}]}
    assert "more than 6 licenses" in _refused(json.dumps(refs).encode(), SbomFormat.SPDX)


def test_nesting_is_bounded():
    def nested(depth: int) -> bytes:
        component: dict[str, object] = {"name": f"c{depth}"}
        for level in range(depth - 1, 0, -1):
            component = {"name": f"c{level}", "components": [component]}
        return json.dumps({"bomFormat": "CycloneDX", "components": [component]}).encode()

    found = parse(nested(3), SbomFormat.CYCLONEDX, SMALL)
    assert [item.name for item in found] == ["c1", "c2", "c3"]
    assert "more than 3 deep" in _refused(nested(4), SbomFormat.CYCLONEDX)
    deep = b'{"spdxVersion":"SPDX-2.3","x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert "nests too deeply" in _refused(deep, SbomFormat.SPDX, SbomLimits())


def test_decompression_stops_at_the_bound():
    # 64 MiB of zeros in a few KB of zstd, against a bound of 4 KiB.
    compressor = zstandard.ZstdCompressor().compressobj()
    bomb = b"".join(compressor.compress(b"\0" * (1 << 20)) for _ in range(64)) + compressor.flush()
    assert len(bomb) < 64 * 1024
    with pytest.raises(InvalidArgument, match="exceeds 4096 bytes once decompressed"):
        decompress(bomb, SMALL)
    small = zstandard.ZstdCompressor().compress(b"x" * 4096)
    assert decompress(small, SMALL) == b"x" * 4096
    # Frames one after another are read as one document.
    frames = zstandard.ZstdCompressor().compress(
        b'{"spdxVersion":'
    ) + zstandard.ZstdCompressor().compress(b'"SPDX-2.3"}')
    assert read_upload(frames, SbomFormat.SPDX).packages == []


def test_nul_in_a_package_field_is_refused():
    spdx = {"spdxVersion": "SPDX-2.3", "packages": [{"name": "p", "versionInfo": "1\u0000"}]}
    assert "NUL" in _refused(json.dumps(spdx).encode(), SbomFormat.SPDX)


def _checked(found: list[Package], limits: SbomLimits) -> None:
    assert len(found) <= limits.max_packages
    for package in found:
        assert isinstance(package, Package) and package.name
        for text in (package.name, package.version, package.purl, package.license):
            assert isinstance(text, str) and "\x00" not in text


@pytest.mark.parametrize("format", FORMATS)
@settings(max_examples=150, derandomize=True, deadline=None)
@given(data=st.data())
def test_fuzz_documents_are_read_or_refused_as_invalid(format, data):
    """Any document is read into bounded packages or refused with InvalidArgument, nothing else."""
    document = data.draw(documents(format))
    limits = data.draw(st.sampled_from([SMALL, SbomLimits()]))
    compressed = zstandard.ZstdCompressor().compress(document)
    try:
        upload = read_upload(compressed, SbomFormat(format), limits)
    except InvalidArgument as refused:
        assert refused.message
        return
    _checked(upload.packages, limits)
    assert upload.packages == parse(document, SbomFormat(format), limits)  # the same every time


@settings(max_examples=100, derandomize=True, deadline=None)
@given(compressed=st.binary(max_size=256), format=st.sampled_from(FORMATS))
def test_fuzz_compressed_bytes_are_read_or_refused_as_invalid(compressed, format):
    try:
        _checked(read_upload(compressed, SbomFormat(format), SMALL).packages, SMALL)
    except InvalidArgument as refused:
        assert refused.message
