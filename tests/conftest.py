"""Shared fixtures: one live Packyard per store backend for the session, API clients per role.

The API tests (tests/api/) run against both stores: a SQLite data directory and a PostgreSQL
database in a throwaway cluster the session starts (ids end in [sqlite] / [postgresql]).
The other tiers use the SQLite server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresCluster, throwaway_cluster
from tests.support.server import ApiClient, LiveServer, running_server

BACKENDS = ("sqlite", "postgresql")
BOTH_BACKENDS = Path(__file__).parent / "api"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "live_server" in metafunc.fixturenames and metafunc.definition.path.is_relative_to(
        BOTH_BACKENDS
    ):
        metafunc.parametrize("store_backend", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def store_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the session's own (initdb in a temporary directory)."""
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def live_server(
    store_backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp(f"packyard-{store_backend}")
    database = None
    if store_backend == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        database = cluster.create_database()
    with running_server(root, database=database) as server:
        yield server


@pytest.fixture(scope="session")
def admin(live_server: LiveServer) -> ApiClient:
    return live_server.api("admin")


@pytest.fixture(scope="session")
def contributor(live_server: LiveServer) -> ApiClient:
    return live_server.api("contributor")


@pytest.fixture(scope="session")
def viewer(live_server: LiveServer) -> ApiClient:
    return live_server.api("viewer")
