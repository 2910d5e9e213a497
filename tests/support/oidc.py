"""An OIDC issuer for the tests: discovery and JWKS over HTTPS on loopback, with a CA and
signing keys made for each run, and tokens minted as a CI system would."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from packyard.tls import ensure_certificates
from tests.support.server import LiveServer, free_port


@dataclass
class Issuer:
    url: str
    ca_file: Path
    rsa_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    ec_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    requests: list[str] = field(default_factory=list)

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa_key.public_key()))
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec_key.public_key()))
        return {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"},
            ]
        }

    def claims(self, audience: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time())
        return {
            "iss": self.url,
            "aud": audience,
            "sub": "repo:acme/app:ref:refs/heads/main",
            "repository": "acme/app",
            "ref": "refs/heads/main",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            **extra,
        }

    def token(self, claims: dict[str, Any], *, kid: str = "rsa-1", alg: str = "RS256") -> str:
        key = self.rsa_key if alg.startswith(("RS", "PS")) else self.ec_key
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def _handler(issuer: Issuer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            issuer.requests.append(self.path)
            if self.path == "/.well-known/openid-configuration":
                body: dict[str, Any] = {
                    "issuer": issuer.url,
                    "jwks_uri": issuer.url + "/jwks",
                    "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                }
            elif self.path == "/jwks":
                body = issuer.jwks()
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_issuer(root: Path) -> Iterator[Issuer]:
    """The issuer, serving until the block ends."""
    files = ensure_certificates(root, "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    issuer = Issuer(f"https://127.0.0.1:{server.server_address[1]}", files.ca)
    server.RequestHandlerClass = _handler(issuer)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def trusting_server(
    root: Path, issuer: Issuer, *, database: str | None = None, env: dict[str, str] | None = None
) -> Iterator[LiveServer]:
    """A live Packyard that reaches the issuer on loopback (its network allowed, its CA
    trusted), serving until the block ends."""
    live = LiveServer(data_dir=root / "data", port=free_port(), database=database)
    live.start(
        env={
            "PACKYARD_WIF_ALLOWED_NETWORKS": "127.0.0.1/32",
            "SSL_CERT_FILE": str(issuer.ca_file),
            **(env or {}),
        }
    )
    try:
        yield live
    finally:
        live.stop()
