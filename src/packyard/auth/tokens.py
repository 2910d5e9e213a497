"""Short-lived signed bearer tokens (HS256), with the keys kept in the store.

Every token names its signing key by id (`kid` in its header). A token without one (issued
before keys had ids) is checked against every key that still verifies.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import jwt

from packyard.auth.keyring import KeyRing
from packyard.errors import Unauthenticated
from packyard.store.engine import Store

AUDIENCE = "https://api.hashicorp.cloud"
ISSUER = "packyard"


def load_signing_key(store: Store, data_dir: Path | None = None) -> bytes:
    """The key that signs now (made once if the store has none)."""
    return KeyRing(store, ttl_seconds=0, data_dir=data_dir).signing_key().secret


class TokenIssuer:
    def __init__(self, keys: KeyRing, *, remember: int = 4096) -> None:
        self.keys = keys
        self.ttl_seconds = keys.ttl_seconds
        # Tokens whose signature was checked already: (subject, generation, expiry, key id).
        self._verified: dict[str, tuple[str, int, float, str]] = {}
        self._remember = remember

    @classmethod
    def for_store(cls, store: Store, *, ttl_seconds: int, data_dir: Path | None) -> TokenIssuer:
        return cls(KeyRing(store, ttl_seconds=ttl_seconds, data_dir=data_dir))

    def issue(self, *, principal_id: str, generation: int, now: datetime) -> str:
        key = self.keys.signing_key()
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": principal_id,
            "gen": generation,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        return jwt.encode(claims, key.secret, algorithm="HS256", headers={"kid": key.kid})

    def verify(self, token: str) -> tuple[str, int]:
        known = self._verified.get(token)
        if known is not None:
            if known[2] > time.time() and self.keys.verifying(known[3]):
                return known[0], known[1]
            del self._verified[token]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise Unauthenticated("the access token is not valid") from None
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated("the access token is not valid")
        for key in self.keys.verifying(kid):
            try:
                claims = jwt.decode(
                    token,
                    key.secret,
                    algorithms=["HS256"],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    options={"require": ["exp", "sub", "gen"]},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.ExpiredSignatureError:
                raise Unauthenticated("the access token has expired") from None
            except jwt.PyJWTError:
                raise Unauthenticated("the access token is not valid") from None
            break
        else:
            raise Unauthenticated("the access token is not valid")
        subject, generation = str(claims["sub"]), int(claims["gen"])
        if len(self._verified) >= self._remember:
            self._verified.clear()
        self._verified[token] = (subject, generation, float(claims["exp"]), key.kid)
        return subject, generation
