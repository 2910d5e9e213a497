"""Hypothesis strategies for SBOM uploads: SPDX and CycloneDX documents, near-valid and not.

Documents mix the fields Packyard reads (with right and wrong types), fields it skips, deep
and long values, and byte-level damage (truncation, a flipped byte), so that every way of
refusing a document is reached as well as every way of reading one.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

FORMATS = ("SPDX", "CYCLONEDX")

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=10,
)
_odd_texts = st.sampled_from(["", "NOASSERTION", "NONE", "a\x00b", "9" * 300])


def _mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` nine times in ten, else `bad` (a wrong type, say)."""
    return st.integers(0, 9).flatmap(lambda n: bad if n == 0 else good)


_texts = _mostly(st.text(max_size=12), _odd_texts)
_field = _mostly(_texts, JSON)


def _optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


_name = _mostly(st.text(min_size=1, max_size=12), _field)
_spdx_package = st.fixed_dictionaries(
    {"name": _name},
    optional=dict(
        versionInfo=_field,
        licenseConcluded=_field,
        licenseDeclared=_field,
        externalRefs=_mostly(
            st.lists(
                _optional(referenceType=st.just("purl") | _field, referenceLocator=_field),
                max_size=3,
            ),
            JSON,
        ),
        checksums=JSON,
    ),
)
_license = _optional(expression=_field, license=_optional(id=_field, name=_field) | JSON)
_component = st.recursive(
    _optional(
        name=_field,
        version=_field,
        purl=_field,
        licenses=_mostly(st.lists(_license, max_size=3), JSON),
    ),
    lambda inner: st.tuples(inner, st.lists(inner, max_size=3)).map(
        lambda pair: {**pair[0], "components": pair[1]}
    ),
    max_leaves=12,
)

_relationship = _mostly(st.dictionaries(st.text(max_size=4), _field, max_size=3), JSON)
SPDX = st.fixed_dictionaries(
    {
        "spdxVersion": _mostly(st.just("SPDX-2.3"), _field),
        "packages": _mostly(st.lists(_mostly(_spdx_package, JSON), min_size=1, max_size=6), JSON),
    },
    optional=dict(
        relationships=_mostly(st.lists(_relationship, max_size=6), JSON),
        files=JSON,
    ),
)
CYCLONEDX = st.fixed_dictionaries(
    {
        "bomFormat": _mostly(st.just("CycloneDX"), _field),
        "components": _mostly(st.lists(_mostly(_component, JSON), min_size=1, max_size=6), JSON),
    },
    optional=dict(
        specVersion=_field,
        dependencies=_mostly(st.lists(_relationship, max_size=6), JSON),
        metadata=JSON,
    ),
)


def _damage(data: bytes, draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(["none"] * 5 + ["truncate", "flip", "deep", "deep"]))
    if how == "truncate" and data:
        return data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    if how == "flip" and data:
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if how == "deep":
        depth = draw(st.sampled_from([40, 1200, 5000]))
        return data.replace(b"{", b'{"deep":' + b"[" * depth + b"]" * depth + b",", 1)
    return data


@st.composite
def documents(draw: st.DrawFn, format: str) -> bytes:
    """A JSON document meant as the given format (most of the time), possibly damaged."""
    shape = draw(
        st.sampled_from([SPDX, CYCLONEDX])
        if draw(st.integers(0, 9)) == 0
        else st.just(SPDX if format == "SPDX" else CYCLONEDX)
    )
    value = draw(shape | JSON) if draw(st.integers(0, 9)) == 0 else draw(shape)
    return _damage(json.dumps(value).encode(), draw)
