"""The sections of the settings, each read from the environment on its own: the store's
connection pool, the token endpoint's limits, HTTP, run tasks, workload identity,
console sessions and single sign-on.

With config (which gathers them into Settings), the only modules that read the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from packyard.config_env import ENV_PREFIX, SettingsError, items, networks, number


@dataclass(frozen=True)
class PoolSettings:
    """PostgreSQL connections, per server worker process (SQLite uses only the lock timeout).

    A worker runs one transaction at a time, so a small pool suffices; the total a
    deployment opens is at most replicas x workers x (size + max_overflow).
    """

    size: int = 5
    max_overflow: int = 5
    timeout_seconds: float = 10.0  # waiting for a free pooled connection
    connect_timeout_seconds: int = 5  # reaching the database server
    # waiting for a row another writer holds; on SQLite, for the database's write lock
    lock_timeout_seconds: float = 30.0
    recycle_seconds: int = 1800  # replace connections older than this

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PoolSettings:
        env = os.environ if environ is None else environ
        return cls(
            size=int(number(env, "DB_POOL_SIZE", cls.size, minimum=1)),
            max_overflow=int(number(env, "DB_MAX_OVERFLOW", cls.max_overflow, minimum=0)),
            timeout_seconds=number(env, "DB_POOL_TIMEOUT", cls.timeout_seconds, minimum=0.1),
            connect_timeout_seconds=int(
                number(env, "DB_CONNECT_TIMEOUT", cls.connect_timeout_seconds, minimum=1)
            ),
            lock_timeout_seconds=number(
                env, "DB_LOCK_TIMEOUT", cls.lock_timeout_seconds, minimum=0.1
            ),
            recycle_seconds=int(number(env, "DB_POOL_RECYCLE", cls.recycle_seconds, minimum=1)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "DB_POOL_SIZE": str(self.size),
            "DB_MAX_OVERFLOW": str(self.max_overflow),
            "DB_POOL_TIMEOUT": str(self.timeout_seconds),
            "DB_CONNECT_TIMEOUT": str(self.connect_timeout_seconds),
            "DB_LOCK_TIMEOUT": str(self.lock_timeout_seconds),
            "DB_POOL_RECYCLE": str(self.recycle_seconds),
        }


@dataclass(frozen=True)
class LoginSettings:
    """The token endpoint's brute-force limits, kept by each server process on its own.

    A client id from one source address, a client id from anywhere, or a source address
    with this many failed logins within the window is answered 429 until the oldest
    failure leaves it. The source address is the peer's, or, when the peer is one of
    `trusted_proxies` (a load balancer), the last address its X-Forwarded-For names that
    is not itself a trusted proxy. Secrets are checked (argon2) in worker threads, at most
    `concurrent_checks` at once per process, so that logins never hold up the event loop.
    """

    failures_per_client: int = 100
    failures_per_address: int = 30
    window_seconds: float = 60.0
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks, e.g. 10.0.0.0/24
    failures_per_client_address: int = 10
    concurrent_checks: int = 2

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LoginSettings:
        env = os.environ if environ is None else environ
        proxies = networks(env, "TRUSTED_PROXIES")
        return cls(
            failures_per_client=int(
                number(env, "LOGIN_FAILURES_PER_CLIENT", cls.failures_per_client, minimum=1)
            ),
            failures_per_address=int(
                number(env, "LOGIN_FAILURES_PER_ADDRESS", cls.failures_per_address, minimum=1)
            ),
            window_seconds=number(env, "LOGIN_FAILURE_WINDOW", cls.window_seconds, minimum=1),
            trusted_proxies=proxies,
            failures_per_client_address=int(
                number(
                    env,
                    "LOGIN_FAILURES_PER_CLIENT_ADDRESS",
                    cls.failures_per_client_address,
                    minimum=1,
                )
            ),
            concurrent_checks=int(
                number(env, "LOGIN_CONCURRENT_CHECKS", cls.concurrent_checks, minimum=1)
            ),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "LOGIN_FAILURES_PER_CLIENT": str(self.failures_per_client),
            "LOGIN_FAILURES_PER_ADDRESS": str(self.failures_per_address),
            "LOGIN_FAILURE_WINDOW": str(self.window_seconds),
            "TRUSTED_PROXIES": ",".join(self.trusted_proxies),
            "LOGIN_FAILURES_PER_CLIENT_ADDRESS": str(self.failures_per_client_address),
            "LOGIN_CONCURRENT_CHECKS": str(self.concurrent_checks),
        }


@dataclass(frozen=True)
class HttpSettings:
    """What each server process keeps and guards at the HTTP layer.

    The read cache holds rendered hot reads up to `read_cache_bytes` (0 keeps none), and no
    answer above `read_cache_answer_bytes`. With a `metrics_token`, /metrics answers only
    a request bearing it.
    """

    read_cache_bytes: int = 64 << 20
    read_cache_answer_bytes: int = 1 << 20
    metrics_token: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HttpSettings:
        env = os.environ if environ is None else environ
        return cls(
            read_cache_bytes=int(number(env, "READ_CACHE_BYTES", cls.read_cache_bytes, minimum=0)),
            read_cache_answer_bytes=int(
                number(env, "READ_CACHE_ANSWER_BYTES", cls.read_cache_answer_bytes, minimum=0)
            ),
            metrics_token=env.get(ENV_PREFIX + "METRICS_TOKEN") or None,
        )

    def to_env(self) -> dict[str, str]:
        env = {
            "READ_CACHE_BYTES": str(self.read_cache_bytes),
            "READ_CACHE_ANSWER_BYTES": str(self.read_cache_answer_bytes),
        }
        if self.metrics_token:
            env["METRICS_TOKEN"] = self.metrics_token
        return env


RUN_TASK_HOSTS = ("app.terraform.io", "archivist.terraform.io")
"""HCP Terraform's API and the store its plan downloads redirect to."""


@dataclass(frozen=True)
class RunTaskSettings:
    """Where the run task may connect (fetching a plan, sending a verdict), and how much.

    A destination is an https URL on one of `allowed_hosts` whose every address is public;
    an address in `allowed_networks` is accepted even if it is loopback or private, and over
    plain http too (a Terraform Enterprise on the local network, or a test's).
    """

    allowed_hosts: tuple[str, ...] = RUN_TASK_HOSTS
    allowed_networks: tuple[str, ...] = ()  # addresses or networks, e.g. 10.20.0.0/16
    max_plan_bytes: int = 16 * 1024 * 1024
    deadline_seconds: float = 60.0  # the whole job: plan download, judgement and verdict

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RunTaskSettings:
        env = os.environ if environ is None else environ
        hosts = items(env, "RUN_TASK_ALLOWED_HOSTS")
        allowed = networks(env, "RUN_TASK_ALLOWED_NETWORKS")
        return cls(
            allowed_hosts=tuple(host.lower().rstrip(".") for host in hosts)
            if hosts is not None
            else cls.allowed_hosts,
            allowed_networks=allowed,
            max_plan_bytes=int(
                number(env, "RUN_TASK_MAX_PLAN_BYTES", cls.max_plan_bytes, minimum=1024)
            ),
            deadline_seconds=number(env, "RUN_TASK_DEADLINE", cls.deadline_seconds, minimum=1),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "RUN_TASK_ALLOWED_HOSTS": ",".join(self.allowed_hosts),
            "RUN_TASK_ALLOWED_NETWORKS": ",".join(self.allowed_networks),
            "RUN_TASK_MAX_PLAN_BYTES": str(self.max_plan_bytes),
            "RUN_TASK_DEADLINE": str(self.deadline_seconds),
        }


MAX_CLOCK_SKEW_SECONDS = 300


def _skew(env: Mapping[str, str]) -> int:
    skew = int(number(env, "WIF_CLOCK_SKEW", 60, minimum=0))
    if skew > MAX_CLOCK_SKEW_SECONDS:
        raise SettingsError(f"{ENV_PREFIX}WIF_CLOCK_SKEW must be at most {MAX_CLOCK_SKEW_SECONDS}")
    return skew


@dataclass(frozen=True)
class WorkloadIdentitySettings:
    """How tokens from workload identity issuers are checked.

    An issuer's discovery document and keys are read over https from public addresses only,
    unless the address is in `allowed_networks`; `pinned_jwks` maps an issuer URI to a JWKS
    file read instead, for sites that cannot reach their issuer.
    """

    allowed_networks: tuple[str, ...] = ()
    pinned_jwks: tuple[tuple[str, str], ...] = ()  # (issuer uri, path of a JWKS file)
    clock_skew_seconds: int = 60
    keys_ttl_seconds: int = 300

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WorkloadIdentitySettings:
        env = os.environ if environ is None else environ
        pinned = []
        for item in items(env, "WIF_PINNED_JWKS") or ():
            issuer, sep, path = item.rpartition("=")
            if not sep or not issuer or not path:
                raise SettingsError(
                    f"{ENV_PREFIX}WIF_PINNED_JWKS: {item!r} is not <issuer uri>=<jwks file>"
                )
            pinned.append((issuer, path))
        return cls(
            allowed_networks=networks(env, "WIF_ALLOWED_NETWORKS"),
            pinned_jwks=tuple(pinned),
            clock_skew_seconds=_skew(env),
            keys_ttl_seconds=int(number(env, "WIF_KEYS_TTL", cls.keys_ttl_seconds, minimum=0)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "WIF_ALLOWED_NETWORKS": ",".join(self.allowed_networks),
            "WIF_PINNED_JWKS": ",".join(f"{issuer}={path}" for issuer, path in self.pinned_jwks),
            "WIF_CLOCK_SKEW": str(self.clock_skew_seconds),
            "WIF_KEYS_TTL": str(self.keys_ttl_seconds),
        }


@dataclass(frozen=True)
class SessionSettings:
    """Console sessions end after `idle_seconds` without a request or `max_seconds` after
    sign-in, whichever comes first; a one-time sign-in link works for `link_seconds`."""

    idle_seconds: int = 7200
    max_seconds: int = 43200
    link_seconds: int = 86400

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SessionSettings:
        env = os.environ if environ is None else environ
        return cls(
            idle_seconds=int(number(env, "SESSION_IDLE_SECONDS", cls.idle_seconds, minimum=1)),
            max_seconds=int(number(env, "SESSION_MAX_SECONDS", cls.max_seconds, minimum=1)),
            link_seconds=int(number(env, "SIGN_IN_LINK_SECONDS", cls.link_seconds, minimum=60)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "SESSION_IDLE_SECONDS": str(self.idle_seconds),
            "SESSION_MAX_SECONDS": str(self.max_seconds),
            "SIGN_IN_LINK_SECONDS": str(self.link_seconds),
        }


@dataclass(frozen=True)
class WebhookSettings:
    """Where webhook deliveries may go, and how they are tried.

    A destination whose address is loopback, private, link-local or a metadata service's is
    refused unless it is in `allowed_networks`. A failed delivery is tried again after
    `retry_base_seconds` * 2^(n-1) (with jitter), up to `max_attempts` attempts.
    """

    allowed_networks: tuple[str, ...] = ()
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 180.0
    max_attempts: int = 10

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WebhookSettings:
        env = os.environ if environ is None else environ
        return cls(
            allowed_networks=networks(env, "WEBHOOK_ALLOWED_NETWORKS"),
            timeout_seconds=number(env, "WEBHOOK_TIMEOUT", cls.timeout_seconds, minimum=0.1),
            retry_base_seconds=number(
                env, "WEBHOOK_RETRY_BASE", cls.retry_base_seconds, minimum=0.01
            ),
            max_attempts=int(number(env, "WEBHOOK_MAX_ATTEMPTS", cls.max_attempts, minimum=1)),
        )

    def to_env(self) -> dict[str, str]:
        return {
            "WEBHOOK_ALLOWED_NETWORKS": ",".join(self.allowed_networks),
            "WEBHOOK_TIMEOUT": str(self.timeout_seconds),
            "WEBHOOK_RETRY_BASE": str(self.retry_base_seconds),
            "WEBHOOK_MAX_ATTEMPTS": str(self.max_attempts),
        }


ROLE_LABELS = ("viewer", "contributor", "admin")


def _role(key: str, value: str) -> str:
    if value.strip().lower() not in ROLE_LABELS:
        raise SettingsError(f"{ENV_PREFIX}{key}: {value!r} is not viewer, contributor or admin")
    return value.strip().lower()


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on with an OpenID provider (off while `issuer` is empty).

    A person's role comes from the claim `role_claim` (a string or a list of them; a dotted
    name reaches into an object): each value listed in `roles` gives its role, the highest
    one wins, and `default_role` (or, when empty, a refusal) is for anyone matching none.
    The user is named by `name_claim` (else email, else the subject).
    """

    issuer: str = ""
    client_id: str = ""
    client_secret: str = ""
    scopes: str = "openid profile email"
    role_claim: str = "groups"
    roles: tuple[tuple[str, str], ...] = ()  # (claim value, role)
    default_role: str = ""
    name_claim: str = "preferred_username"
    label: str = "single sign-on"
    project_id: str = ""
    ca_file: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OidcSettings:
        env = os.environ if environ is None else environ

        def get(key: str, default: str = "") -> str:
            return env.get(ENV_PREFIX + "OIDC_" + key, "").strip() or default

        roles = []
        for item in items(env, "OIDC_ROLES") or ():
            value, sep, role = item.rpartition("=")
            if not sep or not value:
                raise SettingsError(f"{ENV_PREFIX}OIDC_ROLES: {item!r} is not <claim value>=<role>")
            roles.append((value, _role("OIDC_ROLES", role)))
        found = cls(
            issuer=get("ISSUER"),
            client_id=get("CLIENT_ID"),
            client_secret=get("CLIENT_SECRET"),
            scopes=get("SCOPES", cls.scopes),
            role_claim=get("ROLE_CLAIM", cls.role_claim),
            roles=tuple(roles),
            default_role=get("DEFAULT_ROLE") and _role("OIDC_DEFAULT_ROLE", get("DEFAULT_ROLE")),
            name_claim=get("NAME_CLAIM", cls.name_claim),
            label=get("LABEL", cls.label),
            project_id=get("PROJECT"),
            ca_file=get("CA_FILE"),
        )
        if found.issuer and not found.client_id:
            raise SettingsError(f"{ENV_PREFIX}OIDC_ISSUER needs {ENV_PREFIX}OIDC_CLIENT_ID too")
        if found.issuer and "openid" not in found.scopes.split():
            raise SettingsError(f"{ENV_PREFIX}OIDC_SCOPES must include openid")
        return found

    def to_env(self) -> dict[str, str]:
        values = {
            "ISSUER": self.issuer,
            "CLIENT_ID": self.client_id,
            "CLIENT_SECRET": self.client_secret,
            "SCOPES": self.scopes,
            "ROLE_CLAIM": self.role_claim,
            "ROLES": ",".join(f"{value}={role}" for value, role in self.roles),
            "DEFAULT_ROLE": self.default_role,
            "NAME_CLAIM": self.name_claim,
            "LABEL": self.label,
            "PROJECT": self.project_id,
            "CA_FILE": self.ca_file,
        }
        return {"OIDC_" + key: value for key, value in values.items()}
