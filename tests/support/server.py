"""A live `packyard serve` in a subprocess, and clients for it, as the tests use them."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

from tests.support import contract

PACKYARD = [sys.executable, "-c", "from packyard.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def packyard(
    *args: str, data_dir: Path, database: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """A `packyard` command on a data directory (and a PostgreSQL store, if given)."""
    store = ["--database", database] if database else []
    return subprocess.run(
        [*PACKYARD, *args, "--data-dir", str(data_dir), *store],
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


@dataclass
class Principal:
    name: str
    role: str
    client_id: str
    client_secret: str
    principal_id: str = ""  # what an IAM policy names it by


@dataclass
class LiveServer:
    data_dir: Path
    port: int
    database: str | None = None  # a PostgreSQL URL; None for the data directory's SQLite
    ca_file: Path | None = None  # the CA of --cert; None for the server's own local CA
    process: subprocess.Popen[str] | None = None
    org_id: str = ""
    project_id: str = ""
    ca_path: str = ""
    output: list[str] = field(default_factory=list)
    _count: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"https://{self.address}"

    @property
    def backend(self) -> str:
        return "postgresql" if self.database else "sqlite"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A `packyard` command on this server's store."""
        return packyard(*args, data_dir=self.data_dir, database=self.database, check=check)

    @property
    def trust_path(self) -> str:
        """What the printed exports name as SSL_CERT_FILE: the CA bundle of the server's own CA
        (the system's roots and Packyard's CA), else the CA of --cert."""
        return str(self.ca_file or self.data_dir / "tls" / "ca-bundle.pem")

    def start(self, *extra: str, env: dict[str, str] | None = None) -> None:
        log = open(self.data_dir.parent / "server.log", "a")  # noqa: SIM115 - lives with the server
        store = ["--database", self.database] if self.database else []
        self.process = subprocess.Popen(
            [
                *PACKYARD,
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                *store,
                *extra,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=None if env is None else {**os.environ, **env},
        )
        deadline = time.monotonic() + 60
        self.ca_path = str(self.ca_file or self.data_dir / "tls" / "ca.pem")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("packyard serve exited:\n" + self.log_text())
            try:
                if (
                    Path(self.ca_path).exists()
                    and httpx.get(
                        self.base_url + "/readyz", verify=self.tls(), timeout=2
                    ).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("packyard serve did not become ready:\n" + self.log_text())
        self.attach()

    def attach(self) -> None:
        """Learn the default organization and project of the store."""
        values = json.loads(self.cli("env", "--json").stdout)
        self.org_id, self.project_id = values["HCP_ORGANIZATION_ID"], values["HCP_PROJECT_ID"]

    def signing_key(self) -> bytes:
        """The key the server signs tokens with, read from its store (to forge test tokens)."""
        from packyard.auth.tokens import load_signing_key
        from packyard.config import Settings
        from packyard.store.engine import Store, make_engine

        store = Store(make_engine(Settings(self.data_dir, database_url=self.database).store_url))
        try:
            return load_signing_key(store)
        finally:
            store.dispose()

    def store_value(self, sql: str, **params: Any) -> Any:
        """One value read from the server's store, for what no command or route shows."""
        from sqlalchemy import text

        from packyard.config import Settings
        from packyard.store.engine import make_engine

        engine = make_engine(Settings(self.data_dir, database_url=self.database).store_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar_one()
        finally:
            engine.dispose()

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_path)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        path = self.data_dir.parent / "server.log"
        return path.read_text() if path.exists() else ""

    def principal(
        self, role: str = "admin", *, name: str | None = None, project: str | None = None
    ) -> Principal:
        self._count += 1
        name = name or f"{role}-{self._count}-{time.monotonic_ns()}"
        args = ["principal", "create", name, "--role", role, "--json"]
        if project:
            args += ["--project", project]
        payload = json.loads(self.cli(*args).stdout)
        return Principal(
            name, role, payload["client_id"], payload["client_secret"], payload["principal_id"]
        )

    def token(self, principal: Principal) -> str:
        response = httpx.post(
            self.base_url + "/oauth2/token",
            data={"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"},
            auth=(principal.client_id, principal.client_secret),
            verify=self.tls(),
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def client_env(self, role: str = "admin", principal: Principal | None = None) -> dict[str, str]:
        principal = principal or self.principal(role)
        home = tempfile.mkdtemp(prefix="packyard-home-")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("HCP_", "PACKER_", "TF_"))
        }
        env.update(
            {
                "HOME": home,
                "HCP_API_ADDRESS": self.address,
                "HCP_AUTH_URL": self.base_url,
                "HCP_CLIENT_ID": principal.client_id,
                "HCP_CLIENT_SECRET": principal.client_secret,
                "HCP_ORGANIZATION_ID": self.org_id,
                "HCP_PROJECT_ID": self.project_id,
                "SSL_CERT_FILE": self.trust_path,
                "CHECKPOINT_DISABLE": "1",
            }
        )
        return env

    def api(self, role: str = "admin", principal: Principal | None = None) -> ApiClient:
        return ApiClient(self, self.token(principal or self.principal(role)))


class ApiClient:
    """An httpx client bound to one token; every answer is checked against the spec."""

    validated: ClassVar[set[str]] = set()

    def __init__(self, server: LiveServer, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.server = server
        self.http = httpx.Client(
            base_url=server.base_url, headers=headers, verify=server.tls(), timeout=30
        )
        self.v1 = f"/packer/2021-04-30/organizations/{server.org_id}/projects/{server.project_id}"
        self.v2 = f"/packer/2023-01-01/organizations/{server.org_id}/projects/{server.project_id}"

    def request(
        self, method: str, path: str, *, check: bool = True, **kwargs: Any
    ) -> httpx.Response:
        response = self.http.request(method, path, **kwargs)
        body = response.json()
        if check and contract.find_operation(method, response.request.url.path):
            name = contract.validate(method, response.request.url.path, response.status_code, body)
            if response.status_code == 200:
                ApiClient.validated.add(name)
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


@contextmanager
def running_server(root: Path, *extra: str, database: str | None = None) -> Iterator[LiveServer]:
    data_dir = root / "data"
    server = LiveServer(data_dir=data_dir, port=free_port(), database=database)
    server.start(*extra)
    try:
        yield server
    finally:
        server.stop()


def request_summary(line: str) -> str:
    """One server log line as `METHOD path -> status` (other lines as they are)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    if not isinstance(entry, dict) or "path" not in entry:
        return line
    return f"{entry.get('method')} {entry.get('path')} -> {entry.get('status')}"
