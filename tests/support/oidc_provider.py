"""A real OpenID provider for the tests: the example OP of github.com/zitadel/oidc/v3, built
from Go source through the module proxy (cached under ~/.cache/packyard by version) and run
on loopback with users of the test's choosing.

Its issuer is http://localhost:<port>/; its login form (GET/POST /login/username) is the
provider's own. Its web client is `web` with the secret `secret`, allowed the redirect URIs
the test names (REDIRECT_URI); it answers the authorization code flow with PKCE (S256).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.clients import build_wrapper_module
from tests.support.server import free_port

ZITADEL_OIDC_VERSION = "v3.52.0"
CLIENT_ID, CLIENT_SECRET = "web", "secret"


def provider_binary(version: str = ZITADEL_OIDC_VERSION) -> Path:
    """~/.cache/packyard/zitadel-oidc-op-<version>/server, built if absent."""
    go_mod = f"""
        module packyard.test/zitadel-oidc-op

        go 1.26.0

        require github.com/zitadel/oidc/v3 {version}
    """
    return build_wrapper_module(
        f"zitadel-oidc-op-{version.lstrip('v')}",
        go_mod,
        "github.com/zitadel/oidc/v3/example/server",
        "server",
    )


@dataclass(frozen=True)
class ProviderUser:
    id: str
    username: str
    password: str
    email: str

    def entry(self) -> dict[str, Any]:
        first, _, last = self.username.partition("-")
        return {
            "ID": self.id,
            "Username": self.username,
            "Password": self.password,
            "FirstName": first,
            "LastName": last or first,
            "Email": self.email,
            "EmailVerified": True,
            "PreferredLanguage": "en",
        }


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


@contextmanager
def running_provider(users: list[ProviderUser], redirect_uris: list[str]) -> Iterator[Provider]:
    binary = provider_binary()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="packyard-op-"))
    users_file = work / "users.json"
    users_file.write_text(json.dumps({user.id: user.entry() for user in users}))
    log = work / "op.log"
    env = {
        **os.environ,
        "PORT": str(port),
        "USERS_FILE": str(users_file),
        "REDIRECT_URI": ",".join(redirect_uris),
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(binary)], cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    provider = Provider(f"http://localhost:{port}/", process, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("the OpenID provider exited:\n" + provider.log_text())
            try:
                found = httpx.get(provider.issuer + ".well-known/openid-configuration", timeout=2)
                if found.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not start:\n" + provider.log_text())
            time.sleep(0.1)
        yield provider
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
