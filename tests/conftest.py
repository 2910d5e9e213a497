"""Shared fixtures: one live Packyard for the session, and API clients per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import ApiClient, LiveServer, running_server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root: Path = tmp_path_factory.mktemp("packyard")
    with running_server(root) as server:
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
