"""The Go peer, benemon/dufflebag v0.2.1, built and started for side-by-side benchmarks.

    python bench/peer/dufflebag.py build     # prints the binary's path

The binary is built once from the tagged source in ../shared/clients/ (checked against its
SHA256SUMS) with `CGO_ENABLED=0 go build -trimpath ./cmd/dufflebag`, and cached as
~/.cache/packyard/dufflebag-0.2.1/dufflebag. `running_peer` starts it over plain HTTP on a
PostgreSQL database owned by a NOSUPERUSER NOBYPASSRLS role (it refuses a superuser),
claims it with POST /sys/init and answers its base URL and root key.
Not part of the test command.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.support.clients import (
    CACHE_ROOT,
    ClientBuildError,
    _go,
    _go_env,
    _run_go,
    _verified_archive,
)
from tests.support.shared import shared_dir

VERSION = "v0.2.1"


def build() -> Path:
    """~/.cache/packyard/dufflebag-0.2.1/dufflebag, built from the kept source if absent."""
    target_dir = CACHE_ROOT / f"dufflebag-{VERSION.lstrip('v')}"
    target = target_dir / "dufflebag"
    if target.is_file() and os.access(target, os.X_OK):
        return target
    archive = shared_dir() / "clients" / f"dufflebag-{VERSION}.tar.gz"
    _verified_archive(archive)
    target_dir.mkdir(parents=True, exist_ok=True)
    env = _go_env(target_dir) | {"CGO_ENABLED": "0"}
    log: list[str] = []
    with tempfile.TemporaryDirectory(prefix="packyard-src-dufflebag-") as work:
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        source = Path(work) / f"dufflebag-{VERSION}"
        _run_go(
            _go(),
            ["build", "-trimpath", "-o", str(target), "./cmd/dufflebag"],
            workdir=source,
            env=env,
            failure=f"go build of {archive} failed",
            log=log,
        )
    if not target.is_file():
        raise ClientBuildError(f"go build of {archive} succeeded but {target} is missing")
    return target


@dataclass
class Peer:
    base_url: str
    root_id: str
    root_secret: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serving_role(admin_url: str, name: str) -> str:
    """A database owned by a new NOSUPERUSER NOBYPASSRLS role; answers its URL."""
    import psycopg

    password = secrets.token_hex(12)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS")
        conn.execute(f"CREATE DATABASE {name} OWNER {name}")
    host = admin_url.split("@", 1)[1].split("/", 1)[0]
    return f"postgres://{name}:{password}@{host}/{name}?sslmode=disable"


@contextmanager
def running_peer(database_url: str, log: Path) -> Iterator[Peer]:
    """The peer over plain HTTP on loopback, claimed with POST /sys/init."""
    binary = build()
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DFBG_DATABASE_URL": database_url,
        "DFBG_HTTP_ADDR": f"127.0.0.1:{port}",
        "DFBG_TOKEN_SIGNING_KEY": secrets.token_hex(32),
        "DFBG_TOKEN_ISSUER": f"http://127.0.0.1:{port}",
    }
    with open(log, "ab") as out:
        process = subprocess.Popen([str(binary)], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("dufflebag exited:\n" + log.read_text()[-4000:])
            try:
                if httpx.get(base + "/sys/health", timeout=2).status_code in (200, 501):
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("dufflebag did not start:\n" + log.read_text()[-4000:])
            time.sleep(0.2)
        claimed = httpx.post(base + "/sys/init", json={}, timeout=30)
        claimed.raise_for_status()
        body = claimed.json()
        yield Peer(base, body["client_id"], body["client_secret"], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token(base_url: str, client_id: str, client_secret: str) -> str:
    response = httpx.post(
        base_url + "/oauth2/token",
        data={"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"},
        auth=(client_id, client_secret),
        timeout=30,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def tenancy(peer: Peer) -> tuple[str, str, str, str]:
    """An organization, a project and a project-scoped publisher with a secret, made with
    the root key: (organization id, project id, client id, client secret)."""
    root = httpx.Client(
        base_url=peer.base_url,
        headers={"Authorization": f"Bearer {token(peer.base_url, peer.root_id, peer.root_secret)}"},
        timeout=30,
    )

    def ok(method: str, path: str, body: dict[str, object]) -> dict[str, object]:
        response = root.request(method, path, json=body)
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        found: dict[str, object] = response.json()
        return found

    org = str(ok("POST", "/api/v1/organizations", {"name": "bench"})["id"])
    project = str(ok("POST", f"/api/v1/organizations/{org}/projects", {"name": "bench"})["id"])
    principal = ok(
        "POST",
        "/api/v1/principals",
        {"name": "bench", "role": "publisher", "organization_id": org, "project_id": project},
    )
    principal_id = str(principal["id"])
    issued = ok("POST", f"/api/v1/principals/{principal_id}/secrets", {})
    return org, project, str(principal["client_id"]), str(issued["secret"])


if __name__ == "__main__":
    if sys.argv[1:] != ["build"]:
        raise SystemExit(__doc__)
    print(build())
