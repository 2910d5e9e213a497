"""The application served in the test's own process (over httpx's ASGI transport), for tests
that must watch what happens inside a request: which thread runs what, and when."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
from anyio.from_thread import BlockingPortal
from starlette.applications import Starlette

from packyard.auth.principals import Bootstrap, bootstrap
from packyard.cli_support import open_store
from packyard.config import LoginSettings, Settings
from packyard.ids import utcnow
from packyard.store.engine import Store
from packyard.wire.app import create_app

FORM = {"grant_type": "client_credentials", "audience": "https://api.hashicorp.cloud"}


@dataclass
class InProcess:
    app: Starlette
    store: Store
    first: Bootstrap

    @property
    def credentials(self) -> tuple[str, str]:
        return self.first.admin.client_id, self.first.admin.client_secret

    @contextmanager
    def api(self) -> Iterator[InProcessApi]:
        """A blocking client with the admin's token, shaped like server.ApiClient; the
        application runs on an event loop in another thread."""
        with anyio.from_thread.start_blocking_portal() as portal:
            transport = httpx.ASGITransport(app=self.app)
            http = httpx.AsyncClient(transport=transport, base_url="http://packyard")
            api = InProcessApi(portal, http, self.first.organization_id, self.first.project_id)
            token = api.post("/oauth2/token", data=FORM, auth=self.credentials).json()
            http.headers["Authorization"] = f"Bearer {token['access_token']}"
            try:
                yield api
            finally:
                portal.call(http.aclose)


class InProcessApi:
    def __init__(
        self, portal: BlockingPortal, http: httpx.AsyncClient, organization_id: str, project_id: str
    ) -> None:
        self.portal, self.http = portal, http
        self.v2 = f"/packer/2023-01-01/organizations/{organization_id}/projects/{project_id}"

    def request(
        self, method: str, path: str, *, check: bool = True, **kwargs: Any
    ) -> httpx.Response:
        return self.portal.call(lambda: self.http.request(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)


@contextmanager
def in_process(root: Path, login: LoginSettings | None = None) -> Iterator[InProcess]:
    """A fresh SQLite store in `root`, bootstrapped, and the application on it."""
    settings = Settings(data_dir=root, insecure_http=True, login=login or LoginSettings())
    store = open_store(settings)
    with store.transaction(write=True) as conn:
        first = bootstrap(conn, now=utcnow())
    assert first is not None
    try:
        yield InProcess(create_app(settings, store=store), store, first)
    finally:
        store.dispose()
