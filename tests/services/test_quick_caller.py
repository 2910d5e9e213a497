"""The hot read's caller: made once from the store's reused row, and made again as soon as
anything is committed (say, a rotated key)."""

from __future__ import annotations

import pytest

from packyard.auth.principals import new_key, quick_caller
from packyard.domain.identity import Actor
from packyard.errors import Unauthenticated
from packyard.ids import utcnow
from packyard.services import buckets, tenants
from tests.services.conftest import Registry


def _caller(registry: Registry, generation: int = 1) -> tuple[Actor, tuple[str, int] | None]:
    return quick_caller(
        registry.store,
        principal_id=registry.admin.principal_id,
        generation=generation,
        project_id=registry.scope.project_id,
    )


def test_the_caller_is_reused_until_a_commit_changes_what_it_was_made_from(
    registry: Registry,
) -> None:
    first = _caller(registry)
    assert first[0] == registry.admin and first[1] is not None
    assert _caller(registry) is first
    with registry.work() as work:
        buckets.create_bucket(work, registry.admin, registry.scope, name="b", now=utcnow())
    after = _caller(registry)
    assert after is not first and after == first  # read and made again, to the same values
    with registry.work() as work:
        tenants.rotate_principal(work, name=registry.admin.name, key=new_key())
    with pytest.raises(Unauthenticated):
        _caller(registry)
    assert _caller(registry, generation=2)[0] == registry.admin
