"""A fuzz lane of SBOM uploads against a live server: both formats, derandomized, bounded.

Every upload answers 200 or 400 code 3 (never a 5xx), and the build's SBOMs and packages
read cleanly afterwards, whatever was uploaded before.
"""

from __future__ import annotations

import base64
import itertools

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import error
from tests.api.test_v2023_supply_chain import _build_path
from tests.support.sbom_documents import FORMATS, documents

EXAMPLES = 30  # per format: the same ones every run
_names = itertools.count()


@pytest.mark.parametrize("format", FORMATS)
def test_fuzz_uploads_answer_200_or_400(admin, viewer, name, format):
    build = _build_path(admin, name)
    accepted: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(document=documents(format), compress=st.integers(0, 9).map(bool))
    def upload(document: bytes, compress: bool) -> None:
        data = zstandard.ZstdCompressor().compress(document) if compress else document
        sbom_name = f"fuzz-{next(_names)}"
        body = {
            "compressed_sbom": base64.b64encode(data).decode(),
            "format": format,
            "name": sbom_name,
        }
        answer = admin.put(build + "/sboms", json=body)
        if answer.status_code == 200:
            accepted.append(sbom_name)
        else:
            error(answer, 400, 3)
        assert viewer.get(build + "/packages").status_code == 200

    upload()
    listed = viewer.get(build + "/sboms").json()["sboms"]
    assert sorted(item["name"] for item in listed) == sorted(accepted)
    assert accepted, "no example was a readable document"
