"""Packyard replicas for the tests: N `packyard serve` on one PostgreSQL database behind HAProxy.

Everything is on loopback. The layout is the production one of docs/deploy.md: each replica
has a data directory of its own (nothing shared but the database) and serves TLS with a
certificate from a CA the harness makes; HAProxy (Debian's `haproxy` package) terminates
TLS for the clients with a certificate from the same CA, re-encrypts to the replicas
(verifying them against the CA), checks each replica's /readyz, and balances every request
round-robin. Its configuration is deploy/haproxy.cfg with only the site-specific lines
(bind address, certificate files, server list, log and stats socket) rewritten.

Clients go through `ReplicaSet.front` (a LiveServer whose address is the balancer's) or to one
replica directly through `ReplicaSet.replicas[i]`.
"""

from __future__ import annotations

import csv
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.server import LiveServer, free_port

REPO = Path(__file__).resolve().parents[2]
HAPROXY_CONFIG = REPO / "deploy" / "haproxy.cfg"
ERROR_503 = REPO / "deploy" / "haproxy-503.http"


class HaproxyMissing(RuntimeError):
    """No haproxy binary on this machine."""


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").is_file() else None
    )
    if found is None:
        raise HaproxyMissing(
            "haproxy was not found; install Debian's `haproxy` package "
            "(scripts/test does so when run as root)"
        )
    return found


def render_config(
    template: str,
    *,
    bind: str,
    pem: Path,
    ca: Path,
    servers: list[tuple[str, str]],
    stats_socket: Path,
) -> str:
    """deploy/haproxy.cfg with its site-specific lines made loopback ones (and its error
    file the repository's)."""
    lines: list[str] = []
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("server "):
            continue
        if stripped.startswith("log /dev/log"):
            line = "    log stderr format raw local0 info"
        elif stripped.startswith("stats socket "):
            line = f"    stats socket {stats_socket} mode 600 level admin"
        elif stripped.startswith("bind :443"):
            line = line.replace("bind :443", f"bind {bind}")
        line = line.replace("/etc/haproxy/certs/packyard.pem", str(pem))
        line = line.replace("/etc/haproxy/certs/packyard-internal-ca.pem", str(ca))
        line = line.replace("/etc/haproxy/errors/packyard-503.http", str(ERROR_503))
        lines.append(line)
        if stripped.startswith("default-server "):
            lines += [f"    server {name} {address}" for name, address in servers]
    rendered = "\n".join(lines) + "\n"
    if re.search(r"/etc/haproxy|/run/haproxy|10\.0\.0\.", rendered):
        raise AssertionError("deploy/haproxy.cfg has site-specific lines the harness missed")
    return rendered


@dataclass
class Balancer:
    """One HAProxy process in the foreground, its output in a log file."""

    root: Path
    port: int
    config: Path
    stats_socket: Path  # short: a UNIX socket path has at most 107 bytes
    process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        return self.root / "haproxy.log"

    def check(self) -> None:
        result = subprocess.run(
            [haproxy_binary(), "-c", "-f", str(self.config)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise RuntimeError("haproxy -c refused the configuration:\n" + result.stdout)

    def start(self) -> None:
        self.check()
        log = open(self.log_file, "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [haproxy_binary(), "-db", "-f", str(self.config)], stdout=log, stderr=log
        )

    def server_states(self) -> dict[str, str]:
        """Each replica's state as HAProxy sees it (UP, DOWN, ...), from its stats socket."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(str(self.stats_socket))
                sock.sendall(b"show stat\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
        except OSError:
            return {}
        rows = csv.reader(data.decode().lstrip("# ").splitlines())
        header = next(rows, [])
        states: dict[str, str] = {}
        for row in rows:
            record = dict(zip(header, row, strict=False))
            if record.get("svname") not in (None, "FRONTEND", "BACKEND"):
                states[record["svname"]] = record.get("status", "").split(" ")[0]
        return states

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class ReplicaSet:
    root: Path
    database: str
    replicas: list[LiveServer]
    balancer: Balancer
    front: LiveServer
    serve_args: list[str] = field(default_factory=list)

    def restart(self, index: int) -> None:
        """Start replica `index` again (after it stopped or was killed), as it first started."""
        self.replicas[index].start(*self.serve_args)

    def requests_served(self, path_part: str = "") -> list[int]:
        """How many requests each replica has logged (access log lines whose path has
        `path_part`: say, a bucket name, to leave out the balancer's health checks)."""
        counts = []
        for replica in self.replicas:
            lines = replica.log_text().splitlines()
            counts.append(sum(1 for line in lines if '"request_id"' in line and path_part in line))
        return counts

    def wait_balanced(self, timeout: float = 30) -> None:
        """Until the balancer answers and has every replica in rotation (health checks pass)."""
        deadline = time.monotonic() + timeout
        while True:
            states = self.balancer.server_states()
            if len(states) == len(self.replicas) and set(states.values()) == {"UP"}:
                response = httpx.get(
                    self.front.base_url + "/readyz", verify=self.front.tls(), timeout=5
                )
                if response.status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the balancer did not bring every replica up ({states}):\n"
                    + self.balancer.log_file.read_text(errors="replace")
                )
            time.sleep(0.2)

    def stop(self) -> None:
        self.balancer.stop()
        for replica in self.replicas:
            replica.stop()


def shared_tls(root: Path) -> tuple[Path, Path, Path, Path]:
    """CA, certificate, key, and the certificate+key PEM HAProxy wants."""
    from packyard.tls import ensure_certificates

    files = ensure_certificates(root, "127.0.0.1")
    pem = root / "tls" / "haproxy.pem"
    pem.write_bytes(files.cert.read_bytes() + files.key.read_bytes())
    pem.chmod(0o600)
    return files.ca, files.cert, files.key, pem


@contextmanager
def running_replicas(
    root: Path, database: str, *, count: int = 3, workers: int = 1
) -> Iterator[ReplicaSet]:
    """`count` replicas started together on an empty database, and HAProxy in front of them."""
    ca, cert, key, pem = shared_tls(root / "shared")
    lb_port = free_port()
    serve_args = [
        "--cert",
        str(cert),
        "--key",
        str(key),
        "--workers",
        str(workers),
        "--public-url",
        f"https://127.0.0.1:{lb_port}",
    ]
    replicas = [
        LiveServer(
            data_dir=root / f"replica-{n}" / "data",
            port=free_port(),
            database=database,
            ca_file=ca,
        )
        for n in range(1, count + 1)
    ]
    for replica in replicas:
        replica.data_dir.mkdir(parents=True)
    config = root / "haproxy.cfg"
    stats_socket = Path(tempfile.mkdtemp(prefix="packyard-lb-")) / "stats.sock"
    config.write_text(
        render_config(
            HAPROXY_CONFIG.read_text(),
            bind=f"127.0.0.1:{lb_port}",
            pem=pem,
            ca=ca,
            servers=[(f"replica{n}", r.address) for n, r in enumerate(replicas, 1)],
            stats_socket=stats_socket,
        )
    )
    balancer = Balancer(root, lb_port, config, stats_socket)
    front = LiveServer(data_dir=replicas[0].data_dir, port=lb_port, database=database, ca_file=ca)
    front.ca_path = str(ca)
    replica_set = ReplicaSet(root, database, replicas, balancer, front, serve_args)
    try:
        # Together, as a rollout on a fresh database would: migrations and the first-start
        # bootstrap must happen once whoever comes first.
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda replica: replica.start(*serve_args), replicas))
        balancer.start()
        replica_set.wait_balanced()
        front.attach()
        yield replica_set
    finally:
        replica_set.stop()
        shutil.rmtree(stats_socket.parent, ignore_errors=True)
