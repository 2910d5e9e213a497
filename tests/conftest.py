"""Shared fixtures: one live Packyard per store backend for the session, API clients per role.

The API tests (tests/api/) run against both stores: a SQLite data directory and a PostgreSQL
database in a throwaway cluster the session starts (ids end in [sqlite] / [postgresql]).
The other tiers use the SQLite server.

The tests that need no built client run first, in their usual order; then the e2e tests, each
module after the last client it needs in the order tests/support/prebuild.py builds them, so
that scripts/test's background builds overlap the rest of the suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import prebuild
from tests.support.postgres import PostgresCluster, throwaway_cluster
from tests.support.server import ApiClient, LiveServer, running_server

BACKENDS = ("sqlite", "postgresql")
BOTH_BACKENDS = Path(__file__).parent / "api"
REPOSITORY = Path(__file__).parents[1]


def _needs_a_client(item: pytest.Item) -> bool:
    return item.get_closest_marker("e2e") is not None or _module(item) in prebuild.NEEDS


def _module(item: pytest.Item) -> str:
    path = Path(item.path)
    return path.relative_to(REPOSITORY).as_posix() if path.is_relative_to(REPOSITORY) else str(path)


@pytest.hookimpl(trylast=True)  # after pytest's own grouping of parametrized fixtures
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that need no client first (in collection order), then the others by the
    rank of the last build they need (prebuild.rank), each module's tests kept in order."""
    first = [item for item in items if not _needs_a_client(item)]
    last = [item for item in items if _needs_a_client(item)]
    last.sort(key=lambda item: prebuild.rank(_module(item)))  # stable: keeps module order
    items[:] = first + last


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
