"""A loopback SSH server whose SFTP subsystem serves one directory, for Packer's ssh communicator.

Packer's `hcp-sbom` provisioner downloads the SBOM from the machine it provisions through
the build's communicator (`communicator = "none"` refuses downloads), so an offline build
needs a machine reachable over SSH. This is that machine: an asyncssh server on 127.0.0.1
with a fresh host key and one user/password, whose SFTP root is a directory the test fills.
Packer connects with the `null` builder (`ssh_host`, `ssh_port`, `ssh_username`,
`ssh_password`, `ssh_file_transfer_method = "sftp"`). It runs no commands: exec and shell
requests are refused, so only file transfer works.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

START_TIMEOUT = 30  # seconds


@dataclass(frozen=True)
class SshMachine:
    host: str
    port: int
    username: str
    password: str
    root: Path
    """The machine's file system as SFTP shows it: `/x` is `root / "x"`."""


def _server_class(username: str, password: str) -> type[asyncssh.SSHServer]:
    class _Server(asyncssh.SSHServer):
        def begin_auth(self, user: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, user: str, given: str) -> bool:
            return user == username and secrets.compare_digest(given, password)

    return _Server


def _sftp_class(root: Path) -> type[asyncssh.SFTPServer]:
    class _Files(asyncssh.SFTPServer):
        def __init__(self, chan: Any) -> None:
            super().__init__(chan, chroot=str(root).encode())

    return _Files


@contextmanager
def ssh_machine(root: Path) -> Iterator[SshMachine]:
    """Serve `root` over SFTP on a free loopback port until the block ends."""
    root.mkdir(parents=True, exist_ok=True)
    machine_user, machine_password = "packer", secrets.token_urlsafe(16)
    loop = asyncio.new_event_loop()
    started: dict[str, Any] = {}
    ready = threading.Event()

    async def start() -> None:
        try:
            server = await asyncssh.create_server(
                _server_class(machine_user, machine_password),
                "127.0.0.1",
                0,
                server_host_keys=[asyncssh.generate_private_key("ssh-ed25519")],
                sftp_factory=_sftp_class(root),
                allow_scp=False,
            )
            started["server"] = server
            started["port"] = server.sockets[0].getsockname()[1]
        except Exception as exc:  # reported to the test thread below
            started["error"] = exc
        finally:
            ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        if "server" in started:
            loop.run_forever()

    thread = threading.Thread(target=run, name="ssh-machine", daemon=True)
    thread.start()
    if not ready.wait(START_TIMEOUT):
        raise RuntimeError("the loopback SSH server did not start")
    if "error" in started:
        raise RuntimeError(f"the loopback SSH server did not start: {started['error']!r}")
    try:
        yield SshMachine("127.0.0.1", started["port"], machine_user, machine_password, root)
    finally:

        async def stop() -> None:
            server = started["server"]
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=START_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=START_TIMEOUT)
        loop.close()
