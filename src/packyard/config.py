"""Settings, validated once at start. The only module that reads the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

ENV_PREFIX = "PACKYARD_"
DEFAULT_PORT = 8443
DEFAULT_BODY_LIMIT = 4 * 1024 * 1024
TOKEN_TTL_SECONDS = 3600


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("packyard"))


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_http: bool = False
    max_body_bytes: int = DEFAULT_BODY_LIMIT
    token_ttl_seconds: int = TOKEN_TTL_SECONDS
    public_url: str | None = None

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'packyard.db'}"

    @property
    def scheme(self) -> str:
        return "http" if self.insecure_http else "https"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def to_env(self) -> dict[str, str]:
        """Environment that lets server worker processes rebuild these settings."""
        env = {
            "DATA_DIR": str(self.data_dir),
            "HOST": self.host,
            "PORT": str(self.port),
            "INSECURE_HTTP": "1" if self.insecure_http else "0",
            "MAX_BODY_BYTES": str(self.max_body_bytes),
            "TOKEN_TTL_SECONDS": str(self.token_ttl_seconds),
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.public_url:
            env["PUBLIC_URL"] = self.public_url
        return {ENV_PREFIX + key: value for key, value in env.items()}

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(key: str) -> str | None:
            return env.get(ENV_PREFIX + key) or None

        data_dir = get("DATA_DIR")
        return cls(
            data_dir=Path(data_dir) if data_dir else default_data_dir(),
            database_url=get("DATABASE_URL"),
            host=get("HOST") or "127.0.0.1",
            port=int(get("PORT") or DEFAULT_PORT),
            insecure_http=get("INSECURE_HTTP") == "1",
            max_body_bytes=int(get("MAX_BODY_BYTES") or DEFAULT_BODY_LIMIT),
            token_ttl_seconds=int(get("TOKEN_TTL_SECONDS") or TOKEN_TTL_SECONDS),
            public_url=get("PUBLIC_URL"),
        )
