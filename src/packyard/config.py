"""Settings, validated once at start. With its sections (config_sections, and the readers
of one value in config_env), the only module that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from packyard.config_env import ENV_PREFIX as ENV_PREFIX
from packyard.config_env import SettingsError as SettingsError
from packyard.config_env import items, networks, number
from packyard.config_sections import MAX_CLOCK_SKEW_SECONDS as MAX_CLOCK_SKEW_SECONDS
from packyard.config_sections import RUN_TASK_HOSTS as RUN_TASK_HOSTS
from packyard.config_sections import HttpSettings as HttpSettings
from packyard.config_sections import LoginSettings as LoginSettings
from packyard.config_sections import OidcSettings as OidcSettings
from packyard.config_sections import PoolSettings as PoolSettings
from packyard.config_sections import RunTaskSettings as RunTaskSettings
from packyard.config_sections import SessionSettings as SessionSettings
from packyard.config_sections import WebhookSettings as WebhookSettings
from packyard.config_sections import WorkloadIdentitySettings as WorkloadIdentitySettings

DEFAULT_PORT = 8443
DEFAULT_BODY_LIMIT = 4 * 1024 * 1024
TOKEN_TTL_SECONDS = 3600
DATABASE_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
# The readers of one checked value, by the names the sections in this module use.
_number, _items, _networks = number, items, networks


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("packyard"))


def database_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """PACKYARD_DATABASE_URL: the store URL when a command is given no --database (it keeps
    a password out of the command line, where every local user could read it)."""
    env = os.environ if environ is None else environ
    return env.get(ENV_PREFIX + "DATABASE_URL") or None


def trust_store_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    """PACKYARD_SYSTEM_TRUST_STORE: the PEM file of roots the CA bundle starts from, where the
    platform keeps its trust store somewhere Packyard does not look."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_PREFIX + "SYSTEM_TRUST_STORE")
    return Path(value) if value else None


def token_ttl_from_env(environ: Mapping[str, str] | None = None) -> int:
    """PACKYARD_TOKEN_TTL_SECONDS: how long an access token lives (default one hour); the
    servers and `packyard keys rotate` must agree on it."""
    env = os.environ if environ is None else environ
    return int(_number(env, "TOKEN_TTL_SECONDS", TOKEN_TTL_SECONDS, minimum=1))


CLIENT_VARIABLES = (
    "HCP_API_HOST",
    "HCP_API_ADDRESS",
    "HCP_API_TLS",
    "HCP_AUTH_URL",
    "HCP_AUTH_TLS",
    "HCP_CLIENT_ID",
    "HCP_CLIENT_SECRET",
    "HCP_ORGANIZATION_ID",
    "HCP_PROJECT_ID",
    "SSL_CERT_FILE",
)


def client_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The HCP_* variables (and SSL_CERT_FILE) that point a client at a registry, as Packer
    and the hcp-sdk-go read them; the people's commands take their settings from these."""
    env = os.environ if environ is None else environ
    return {key: env[key] for key in CLIENT_VARIABLES if env.get(key)}


def database_url(url: str) -> str:
    """A PostgreSQL URL in the form the store's driver (psycopg 3) takes, or SettingsError."""
    for scheme in DATABASE_SCHEMES:
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    if url.startswith("sqlite:///"):
        return url
    raise SettingsError(
        "--database takes a PostgreSQL URL such as postgresql://user:password@host:5432/packyard "
        "(or sqlite:///path); without it the SQLite store in the data directory is used"
    )


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
    system_trust_store: Path | None = field(default_factory=trust_store_from_env)
    pool: PoolSettings = field(default_factory=PoolSettings.from_env)
    login: LoginSettings = field(default_factory=LoginSettings.from_env)
    http: HttpSettings = field(default_factory=HttpSettings.from_env)
    run_task: RunTaskSettings = field(default_factory=RunTaskSettings.from_env)
    workload_identity: WorkloadIdentitySettings = field(
        default_factory=WorkloadIdentitySettings.from_env
    )
    sessions: SessionSettings = field(default_factory=SessionSettings.from_env)
    webhook: WebhookSettings = field(default_factory=WebhookSettings.from_env)
    oidc: OidcSettings = field(default_factory=OidcSettings.from_env)

    @property
    def store_url(self) -> str:
        if self.database_url:
            return database_url(self.database_url)
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
        env.update(self.pool.to_env())
        env.update(self.login.to_env())
        env.update(self.http.to_env())
        env.update(self.run_task.to_env())
        env.update(self.workload_identity.to_env())
        env.update(self.sessions.to_env())
        env.update(self.webhook.to_env())
        env.update(self.oidc.to_env())
        return {ENV_PREFIX + key: value for key, value in env.items()}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
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
            token_ttl_seconds=token_ttl_from_env(env),
            public_url=get("PUBLIC_URL"),
            pool=PoolSettings.from_env(env),
            login=LoginSettings.from_env(env),
            http=HttpSettings.from_env(env),
            run_task=RunTaskSettings.from_env(env),
            workload_identity=WorkloadIdentitySettings.from_env(env),
            sessions=SessionSettings.from_env(env),
            webhook=WebhookSettings.from_env(env),
            oidc=OidcSettings.from_env(env),
        )
