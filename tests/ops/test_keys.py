"""`packyard keys rotate`: the new key signs at once on every replica; the old key only
verifies until the last token it signed has expired, so a key taken from a backup stops
working; `--drop-old` ends its window at once."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, text

from packyard.auth.keyring import GRACE, REFRESH_SECONDS
from packyard.config import database_url
from tests.support.postgres import PostgresCluster
from tests.support.server import LiveServer, Principal, running_server

TTL = 15  # seconds a token lives on these servers


@pytest.fixture(params=["sqlite", "postgresql"])
def replicas(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two servers on one store: a SQLite data directory, or a PostgreSQL database."""
    monkeypatch.setenv("PACKYARD_TOKEN_TTL_SECONDS", str(TTL))
    database = None
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database()
    one, two = (tmp_path, tmp_path) if database is None else (tmp_path / "a", tmp_path / "b")
    one.mkdir(exist_ok=True)
    two.mkdir(exist_ok=True)
    with (
        running_server(one, database=database) as first,
        running_server(two, database=database) as second,
    ):
        yield first, second


def _status(server: LiveServer, token: str) -> int:
    response = httpx.get(
        server.base_url + f"/packer/2021-04-30/organizations/{server.org_id}"
        f"/projects/{server.project_id}/images",
        headers={"Authorization": f"Bearer {token}"},
        verify=server.tls(),
    )
    if response.status_code == 401:
        assert response.json()["code"] == 16, response.text
    return response.status_code


def _kid(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def _forged(token: str, secret: bytes, kid: str | None) -> str:
    """A token for the same principal, valid for an hour, signed with `secret`."""
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["iat"], claims["exp"] = int(time.time()), int(time.time()) + 3600
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid} if kid else None)


def _keys_in(server: LiveServer, backup: Path) -> dict[str, bytes]:
    """The signing keys a copy of the store holds: a `packyard backup` file (SQLite), or
    the database as a dump would take it (PostgreSQL)."""
    query = "SELECT kid, secret FROM signing_keys"
    if server.database is None:
        server.cli("backup", str(backup))
        with closing(sqlite3.connect(backup)) as conn:
            return {kid: secret.encode() for kid, secret in conn.execute(query)}
    engine = create_engine(database_url(server.database))
    try:
        with engine.connect() as conn:
            return {row.kid: row.secret.encode() for row in conn.execute(text(query))}
    finally:
        engine.dispose()


def _listed(server: LiveServer) -> list[dict[str, object]]:
    return list(json.loads(server.cli("keys", "list", "--json").stdout))


def test_rotation_reaches_every_replica_and_retires_a_backed_up_key(replicas, tmp_path):
    first, second = replicas
    viewer: Principal = first.principal("viewer")
    issued = first.token(viewer)
    old_kid = _kid(issued)
    # Signed with the key in use before the rotation, and long-lived, so that only the
    # key's retirement (not the token's own expiry, however slow the commands between) ends it.
    before = _forged(issued, first.signing_key(), old_kid)
    assert _status(second, before) == 200
    stolen = _keys_in(first, tmp_path / "store.backup")
    assert list(stolen) == [old_kid]
    assert (tmp_path / "store.backup").exists() == (first.database is None)

    rotated = json.loads(first.cli("keys", "rotate", "--json").stdout)
    rotated_at = time.time()
    assert rotated["retired"] == [old_kid] and rotated["kid"] != old_kid
    assert rotated["dropped"] == []
    # Within its window the old key still verifies: tokens it signed before the rotation,
    # and (until the window ends) one made with the backed-up key.
    assert _status(second, before) == 200
    assert _status(first, _forged(before, stolen[old_kid], old_kid)) == 200
    # Every replica signs with the new key at once, and the other replica verifies it.
    for signer, checker in ((first, second), (second, first)):
        after = signer.token(viewer)
        assert _kid(after) == rotated["kid"]
        assert _status(checker, after) == 200
    audit = json.loads(first.cli("audit", "--json").stdout)
    assert audit[-1]["operation"] == "keys.rotate"
    assert audit[-1]["resource"] == f"signing-key/{rotated['kid']}"
    listed = _listed(first)
    assert [(key["kid"], key["signs"]) for key in listed] == [
        (old_kid, False),
        (rotated["kid"], True),
    ]

    time.sleep(max(0.0, rotated_at + TTL + GRACE.total_seconds() + 1 - time.time()))
    for server in (first, second):
        assert _status(server, _forged(before, stolen[old_kid], old_kid)) == 401
        assert _status(server, _forged(before, stolen[old_kid], None)) == 401
        assert _status(server, server.token(viewer)) == 200
    assert [key["kid"] for key in _listed(first)] == [rotated["kid"]]  # dropped from the store


def test_drop_old_ends_the_old_keys_window_at_once(replicas):
    first, second = replicas
    viewer = first.principal("viewer")
    # Long-lived enough for the test: forged with the key the tokens are signed with.
    key = first.signing_key()
    before = _forged(first.token(viewer), key, _kid(first.token(viewer)))
    assert _status(first, before) == 200 and _status(second, before) == 200

    rotated = json.loads(first.cli("keys", "rotate", "--drop-old", "--json").stdout)
    assert rotated["dropped"] == [_kid(before)] and rotated["retired"] == []
    assert [item["kid"] for item in _listed(first)] == [rotated["kid"]]
    deadline = time.monotonic() + REFRESH_SECONDS + 5
    refused: set[str] = set()
    while refused != {"first", "second"} and time.monotonic() < deadline:
        for name, server in (("first", first), ("second", second)):
            if _status(server, before) == 401:
                refused.add(name)
        time.sleep(0.5)
    assert refused == {"first", "second"}
    assert _status(second, first.token(viewer)) == 200


def test_tokens_without_a_key_id_verify_against_the_signing_key(replicas):
    """Tokens issued before keys had ids stay valid after the upgrade."""
    first, second = replicas
    viewer = first.principal("viewer")
    legacy = _forged(first.token(viewer), first.signing_key(), None)
    assert _status(second, legacy) == 200
    assert _status(second, _forged(legacy, b"another key of the same length" * 2, None)) == 401
