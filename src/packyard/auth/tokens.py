"""Short-lived signed bearer tokens (HS256), with the key kept in the store."""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

import jwt

from packyard.errors import Unauthenticated
from packyard.ids import utcnow
from packyard.store.engine import Store
from packyard.store.keys import ServerKeys

AUDIENCE = "https://api.hashicorp.cloud"
ISSUER = "packyard"
SIGNING_KEY = "token-signing"
LEGACY_KEY_FILE = "token-signing.key"


def load_signing_key(store: Store, data_dir: Path | None = None) -> bytes:
    """The signing key every replica shares, made once and kept in the store.

    A store made before the key moved there takes the key file of its data directory, so
    the tokens issued before the upgrade stay valid.
    """
    with store.transaction() as conn:
        found = ServerKeys(conn).get(SIGNING_KEY)
    if found is None:
        legacy = data_dir / LEGACY_KEY_FILE if data_dir else None
        if legacy is not None and legacy.is_file():
            made = legacy.read_text().strip()
        else:
            made = secrets.token_hex(32)
        with store.transaction(write=True) as conn:
            keys = ServerKeys(conn)
            keys.add_unless_present(SIGNING_KEY, made, now=utcnow())
            found = keys.get(SIGNING_KEY)
    assert found is not None
    return found.encode()


class TokenIssuer:
    def __init__(self, key: bytes, *, ttl_seconds: int, remember: int = 4096) -> None:
        self._key = key
        self.ttl_seconds = ttl_seconds
        # Tokens whose signature was checked already: (subject, generation, expiry).
        self._verified: dict[str, tuple[str, int, float]] = {}
        self._remember = remember

    def issue(self, *, principal_id: str, generation: int, now: datetime) -> str:
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": principal_id,
            "gen": generation,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str) -> tuple[str, int]:
        known = self._verified.get(token)
        if known is not None:
            if known[2] > time.time():
                return known[0], known[1]
            del self._verified[token]
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "gen"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the access token has expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("the access token is not valid") from None
        subject, generation = str(claims["sub"]), int(claims["gen"])
        if len(self._verified) >= self._remember:
            self._verified.clear()
        self._verified[token] = (subject, generation, float(claims["exp"]))
        return subject, generation
