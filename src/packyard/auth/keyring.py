"""The token signing keys: the newest signs, a retired one only verifies for a while.

The keys live in the store, so every replica shares them. A server process keeps them in
memory and reads them again every `REFRESH_SECONDS`, at once when a token names a key id
it does not know (at most ten times a second), and each time it signs (so no process signs
with a retired key once a rotation is committed).

`packyard keys rotate` retires the signing key and adds a new one. A retired key verifies
until the last token it signed could expire (its retirement plus the token lifetime, plus
`GRACE` for clocks); then servers refuse it and drop it from the store.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from packyard.errors import Unavailable
from packyard.ids import new_id, utcnow
from packyard.store.engine import Store
from packyard.store.keys import ServerKeys, SigningKey, SigningKeys

REFRESH_SECONDS = 10.0
UNKNOWN_KID_REFRESH_SECONDS = 0.1
GRACE = timedelta(seconds=2)  # clocks of the rotating host and the servers, logins in flight
LOCK = "packyard-signing-keys"
LEGACY_NAME = "token-signing"  # the single key of schema revision 0003 (server_keys)
LEGACY_KEY_FILE = "token-signing.key"  # older still: a file in the data directory

log = logging.getLogger("packyard")


def verifies_until(key: SigningKey, ttl_seconds: int) -> datetime | None:
    """When a key stops verifying tokens; None while it signs."""
    if key.retired_at is None:
        return None
    return key.retired_at + timedelta(seconds=ttl_seconds) + GRACE


def verifies(key: SigningKey, ttl_seconds: int, now: datetime) -> bool:
    until = verifies_until(key, ttl_seconds)
    return until is None or now < until


def ensure_signing_key(conn: Connection, *, now: datetime, data_dir: Path | None = None) -> None:
    """Make the first signing key unless one signs already (call under the `LOCK`).

    A store from before key ids takes its single key (kept in `server_keys`, or in older
    data directories a key file), so the tokens issued before the upgrade stay valid.
    """
    keys = SigningKeys(conn)
    if any(key.retired_at is None for key in keys.all()):
        return
    secret = ServerKeys(conn).get(LEGACY_NAME)
    legacy = data_dir / LEGACY_KEY_FILE if data_dir else None
    if secret is None and legacy is not None and legacy.is_file():
        secret = legacy.read_text().strip()
    keys.add(new_id(), secret or secrets.token_hex(32), now=now)


@dataclass(frozen=True)
class Rotation:
    kid: str  # the key that signs from now on
    retired: list[str]  # verify only, until `verify_until`
    dropped: list[str]  # gone: tokens they signed are refused
    verify_until: datetime | None


def rotate(
    conn: Connection, *, now: datetime, ttl_seconds: int, drop_old: bool = False
) -> Rotation:
    """Retire the signing key for a new one (call under the `LOCK`).

    Retired keys whose window is over are dropped; with `drop_old`, every retired key is
    (the tokens they signed stop working as soon as each server reads the keys again).
    """
    ensure_signing_key(conn, now=now)
    keys = SigningKeys(conn)
    retired = keys.retire_all(now=now)
    kid = new_id()
    keys.add(kid, secrets.token_hex(32), now=now)
    ServerKeys(conn).remove(LEGACY_NAME)  # a copy of the first key, for older replicas
    dropped = [
        key.kid
        for key in keys.all()
        if key.retired_at is not None and (drop_old or not verifies(key, ttl_seconds, now))
    ]
    keys.drop(dropped)
    kept = [item for item in retired if item not in dropped]
    until = now + timedelta(seconds=ttl_seconds) + GRACE if kept else None
    return Rotation(kid=kid, retired=kept, dropped=dropped, verify_until=until)


class KeyRing:
    """One server process's view of the signing keys."""

    def __init__(self, store: Store, *, ttl_seconds: int, data_dir: Path | None = None) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._keys: dict[str, SigningKey] = {}
        self._loaded = 0.0
        self._lapses = math.inf  # the epoch second the first known key stops verifying
        with store.transaction() as conn:
            ready = any(key.retired_at is None for key in SigningKeys(conn).all())
        if not ready:
            with store.transaction(write=True) as conn:
                store.exclusive(conn, LOCK)
                ensure_signing_key(conn, now=utcnow(), data_dir=data_dir)
        self._reload()

    def signing_key(self) -> SigningKey:
        """The newest key that signs, read from the store (the known one if it is away)."""
        self._reload(quiet=True)
        current = [key for key in self._keys.values() if key.retired_at is None]
        if not current:
            with self.store.transaction(write=True) as conn:
                self.store.exclusive(conn, LOCK)
                ensure_signing_key(conn, now=utcnow())
            self._reload()
            current = [key for key in self._keys.values() if key.retired_at is None]
        return max(current, key=lambda key: key.kid)

    def verifying(self, kid: str | None) -> list[SigningKey]:
        """The keys a token naming `kid` may be signed with (any usable key without one)."""
        since = time.monotonic() - self._loaded
        unknown = kid is not None and kid not in self._keys
        if since > REFRESH_SECONDS or (unknown and since > UNKNOWN_KID_REFRESH_SECONDS):
            self._reload(quiet=True)
        if time.time() >= self._lapses:  # else every known key still verifies
            now = utcnow()
            over = [k.kid for k in self._keys.values() if not verifies(k, self.ttl_seconds, now)]
            if over:
                self._drop(over)
            self._known(self._keys)
        if kid is not None:
            key = self._keys.get(kid)
            return [key] if key is not None else []
        return list(self._keys.values())

    def _known(self, keys: dict[str, SigningKey]) -> None:
        self._keys = keys
        ends = [verifies_until(key, self.ttl_seconds) for key in keys.values()]
        self._lapses = min((end.timestamp() for end in ends if end is not None), default=math.inf)

    def _reload(self, *, quiet: bool = False) -> None:
        try:
            with self.store.transaction() as conn:
                found = SigningKeys(conn).all()
        except Unavailable:
            if not quiet:
                raise
            log.warning("cannot read the signing keys from the store; keeping the known ones")
            self._loaded = time.monotonic()  # the known keys keep their windows meanwhile
            return
        self._known({key.kid: key for key in found})
        self._loaded = time.monotonic()

    def _drop(self, kids: list[str]) -> None:
        for kid in kids:
            self._keys.pop(kid, None)
        try:
            with self.store.transaction(write=True) as conn:
                SigningKeys(conn).drop(kids)
        except Unavailable:
            pass  # another process, or the next rotation, drops them
