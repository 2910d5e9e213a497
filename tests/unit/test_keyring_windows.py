"""A retired signing key verifies until its window (token lifetime + grace) ends, and not a
moment after: the key ring looks again once the first known window ends, not on every call."""

from __future__ import annotations

import time
from pathlib import Path

from packyard.auth.keyring import GRACE, KeyRing
from packyard.cli_support import open_store
from packyard.config import Settings
from packyard.ids import utcnow
from packyard.store.keys import SigningKeys

TTL = 1  # seconds: a token lifetime short enough to outlive here


def test_a_retired_key_stops_verifying_when_its_window_ends(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path, insecure_http=True))
    try:
        ring = KeyRing(store, ttl_seconds=TTL)
        (old,) = [key.kid for key in ring.verifying(None)]
        with store.transaction(write=True) as conn:
            SigningKeys(conn).retire_all(now=utcnow())
            SigningKeys(conn).add("k-new", "s" * 43, now=utcnow())
        ring = KeyRing(store, ttl_seconds=TTL)
        assert [key.kid for key in ring.verifying(old)] == [old]  # in its window
        assert {key.kid for key in ring.verifying(None)} == {old, "k-new"}
        time.sleep(TTL + GRACE.total_seconds() + 0.2)
        assert ring.verifying(old) == []
        assert [key.kid for key in ring.verifying(None)] == ["k-new"]
        with store.transaction() as conn:  # dropped from the store too
            assert [key.kid for key in SigningKeys(conn).all()] == ["k-new"]
        assert ring.verifying("k-new")[0].kid == "k-new"
    finally:
        store.dispose()
