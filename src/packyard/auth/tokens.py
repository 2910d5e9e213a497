"""Short-lived signed bearer tokens (HS256), with the key kept in the data directory."""

from __future__ import annotations

import os
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

import jwt

from packyard.errors import Unauthenticated

AUDIENCE = "https://api.hashicorp.cloud"
ISSUER = "packyard"


def load_signing_key(data_dir: Path) -> bytes:
    """Read the shared signing key, creating it once; every replica must use the same one."""
    path = data_dir / "token-signing.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
    return path.read_text().strip().encode()


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
