"""A throwaway PostgreSQL cluster for the tests: `initdb` in a temporary directory, loopback only.

The server binaries come from Debian's `postgresql` package (`scripts/test` installs it when
absent). No pre-existing server is assumed or touched: the cluster lives in its own directory,
listens on a free port on 127.0.0.1, trusts loopback connections, and is removed afterwards.
PostgreSQL refuses to run as root, so when the tests run as root the cluster runs as the
`postgres` system user that the package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support.server import free_port

SUPERUSER = "packyard"


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_bin_dir() -> Path:
    roots = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True
    )
    for candidate in roots:
        if (candidate / "initdb").is_file():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresMissing(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found; "
        "install Debian's `postgresql` package (scripts/test does so when run as root)"
    )


@dataclass
class PostgresCluster:
    root: Path
    port: int
    bin_dir: Path = field(default_factory=server_bin_dir)
    _databases: int = 0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        settings = (
            "listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            f"unix_socket_directories = '{self.root}'\n"
            "max_connections = 300\n"
            "fsync = on\n"
        )
        with open(self.data_dir / "postgresql.conf", "a") as conf:
            conf.write(settings)

    def start(self) -> None:
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode "immediate" is an abrupt stop (no checkpoint, like a crash)."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def admin_url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "packyard") -> str:
        """A new empty database; returns its URL (the form `packyard serve --database` takes)."""
        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url(name)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.admin_url(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def start_cluster() -> PostgresCluster:
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="packyard-pg-")), free_port())
    cluster.init()
    cluster.start()
    cluster.wait_ready()
    return cluster


def remove_cluster(cluster: PostgresCluster) -> None:
    cluster.stop("immediate")
    shutil.rmtree(cluster.root, ignore_errors=True)


@contextmanager
def throwaway_cluster() -> Iterator[PostgresCluster]:
    """A cluster started for the block and removed after it."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        remove_cluster(cluster)
