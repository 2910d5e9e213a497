"""Domain rules that need no server: durations, version state, ancestry status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from packyard.domain.registry import (
    AncestryStatus,
    Build,
    BuildStatus,
    Channel,
    TemplateType,
    Version,
    VersionState,
    ancestry_status,
    parse_duration,
)
from packyard.errors import InvalidArgument

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0s", timedelta(0)),
        ("30d", timedelta(days=30)),
        ("2h45m", timedelta(hours=2, minutes=45)),
        ("1.5h", timedelta(minutes=90)),
        ("500ms", timedelta(milliseconds=500)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "5", "1y", "2h 3m", "-1h"])
def test_bad_durations(text):
    with pytest.raises(InvalidArgument):
        parse_duration(text)


def _version(**fields: object) -> Version:
    values: dict[str, object] = dict(
        id="v",
        bucket_id="b",
        bucket_name="b",
        fingerprint="f",
        sequence=None,
        template_type=TemplateType.HCL2,
        author_id="a",
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(fields)
    return Version(**values)  # type: ignore[arg-type]


def _build(status: BuildStatus) -> Build:
    return Build(
        id="x", version_id="v", component_type="c", status=status, created_at=NOW, updated_at=NOW
    )


def test_version_states():
    assert _version().state(NOW) is VersionState.RUNNING
    assert _version(builds=[_build(BuildStatus.FAILED)]).state(NOW) is VersionState.FAILED
    assert _version(builds=[_build(BuildStatus.CANCELLED)]).state(NOW) is VersionState.CANCELLED
    assert _version(sequence=1).state(NOW) is VersionState.ACTIVE
    later = _version(sequence=1, revoke_at=NOW + timedelta(seconds=1))
    assert later.state(NOW) is VersionState.REVOCATION_SCHEDULED
    assert later.state(NOW + timedelta(seconds=1)) is VersionState.REVOKED


def _channel(version: Version | None) -> Channel:
    return Channel(
        id="c",
        bucket_id="b",
        bucket_name="b",
        name="n",
        managed=False,
        restricted=False,
        author_id="a",
        created_at=NOW,
        updated_at=NOW,
        version=version,
    )


def test_ancestry_status():
    parent = _version(id="p", sequence=1)
    assert ancestry_status(parent, None, NOW) is AncestryStatus.UNDETERMINED
    assert ancestry_status(parent, _channel(None), NOW) is AncestryStatus.UNDETERMINED
    assert ancestry_status(parent, _channel(parent), NOW) is AncestryStatus.UP_TO_DATE
    newer = _version(id="q", sequence=2)
    assert ancestry_status(parent, _channel(newer), NOW) is AncestryStatus.OUT_OF_DATE
    revoked = _version(id="p", sequence=1, revoke_at=NOW)
    assert ancestry_status(revoked, _channel(revoked), NOW) is AncestryStatus.OUT_OF_DATE
