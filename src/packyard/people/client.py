"""An HTTP client for one registry: the 2023-01-01 plane, resource-manager and /packyard/v1.

Tokens come from the OAuth2 token endpoint (client credentials, as Packer gets them) and are
cached in an owner-only file until shortly before they expire.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx

from packyard.people.errors import ApiError, Refused
from packyard.people.settings import Target, read_json, token_cache_file, write_private

Json = dict[str, Any]
PLANE = "/packer/2023-01-01"
EXTENSION = "/packyard/v1"
RESOURCE_MANAGER = "/resource-manager/2019-12-10"
AUDIENCE = "https://api.hashicorp.cloud"
EARLY = 60  # seconds before expiry a cached token is given up
PAGE_SIZE = 100


def segment(value: str) -> str:
    """One path segment, escaped (a bucket or channel name never changes the path)."""
    return quote(value, safe="")


def _tls(target: Target) -> ssl.SSLContext | bool:
    verify = target.verify
    if isinstance(verify, str):
        try:
            return ssl.create_default_context(cafile=verify)
        except (OSError, ssl.SSLError) as exc:
            raise Refused(f"cannot read the CA file {verify}: {exc}") from None
    return verify


class Client:
    def __init__(self, target: Target, *, timeout: float = 30) -> None:
        self.target = target
        self.http = httpx.Client(verify=_tls(target), timeout=timeout, trust_env=False)
        self._token: str | None = None

    # tokens -------------------------------------------------------------------------------
    def _cache_key(self) -> str:
        seen = f"{self.target.auth_url}\0{self.target.client_id}\0{self.target.client_secret}"
        return hashlib.sha256(seen.encode()).hexdigest()

    def _cached_token(self) -> str | None:
        entry = read_json(token_cache_file()).get(self._cache_key())
        if isinstance(entry, dict) and float(entry.get("expires_at", 0)) > time.time() + EARLY:
            return str(entry["access_token"])
        return None

    def _new_token(self) -> str:
        try:
            response = self.http.post(
                self.target.auth_url + "/oauth2/token",
                data={"grant_type": "client_credentials", "audience": AUDIENCE},
                auth=(self.target.client_id, self.target.client_secret),
            )
        except httpx.HTTPError as exc:
            raise Refused(f"cannot reach {self.target.auth_url}: {exc}") from None
        if response.status_code != 200:
            try:
                reason = response.json().get("error_description") or response.text
            except ValueError:
                reason = response.text
            raise Refused(f"the token endpoint refused the key {self.target.client_id}: {reason}")
        body = response.json()
        token = str(body["access_token"])
        cache = {
            key: value
            for key, value in read_json(token_cache_file()).items()
            if isinstance(value, dict) and float(value.get("expires_at", 0)) > time.time()
        }
        cache[self._cache_key()] = {
            "access_token": token,
            "expires_at": time.time() + float(body.get("expires_in") or 0),
        }
        write_private(token_cache_file(), cache)
        return token

    def token(self, *, fresh: bool = False) -> str:
        if fresh or self._token is None:
            self._token = (None if fresh else self._cached_token()) or self._new_token()
        return self._token

    # requests -----------------------------------------------------------------------------
    def request(
        self, method: str, path: str, *, params: Json | None = None, json: Any = None
    ) -> Json:
        for attempt in range(2):
            try:
                response = self.http.request(
                    method,
                    self.target.api_url + path,
                    params=params,
                    json=json,
                    headers={"Authorization": f"Bearer {self.token(fresh=attempt > 0)}"},
                )
            except httpx.HTTPError as exc:
                raise Refused(f"cannot reach {self.target.api_url}: {exc}") from None
            if response.status_code != 401 or attempt:
                break  # a cached token the server no longer takes is fetched anew once
        return _answer(response)

    def get(self, path: str, **params: Any) -> Json:
        return self.request("GET", path, params={k: v for k, v in params.items() if v})

    def pages(
        self,
        path: str,
        key: str,
        *,
        params: Json | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[Json]:
        """Every item of a paged list, following pagination.next_page_token."""
        query: Json = {**(params or {}), "pagination.page_size": PAGE_SIZE}
        while True:
            answer = self.request("GET", path, params=query)
            items = answer.get(key) or []
            yield from items
            if progress is not None:
                progress(len(items))
            token = (answer.get("pagination") or {}).get("next_page_token")
            if not token or not items:
                return
            query["pagination.next_page_token"] = token

    # where things are ---------------------------------------------------------------------
    def location(self) -> tuple[str, str]:
        """The organization and project: the target's, else the only ones the key sees."""
        organization, project = self.target.organization_id, self.target.project_id
        if not organization:
            found = self.get(RESOURCE_MANAGER + "/organizations").get("organizations") or []
            if len(found) != 1:
                raise Refused(
                    f"the key sees {len(found)} organizations; set HCP_ORGANIZATION_ID "
                    "(or log in with --organization)"
                )
            organization = found[0]["id"]
        if not project:
            found = (
                self.get(
                    RESOURCE_MANAGER + "/projects",
                    **{"scope.type": "ORGANIZATION", "scope.id": organization},
                ).get("projects")
                or []
            )
            if not found:
                raise Refused(f"the key sees no project in organization {organization}")
            if len(found) > 1:
                raise Refused(
                    f"the key sees {len(found)} projects; set HCP_PROJECT_ID "
                    "(or log in with --project)"
                )
            project = found[0]["id"]
        return organization, project

    def registry(self) -> str:
        """The 2023-01-01 plane's path prefix for the target's project."""
        organization, project = self._where()
        return f"{PLANE}/organizations/{organization}/projects/{project}"

    def extension(self) -> str:
        """The /packyard/v1 path prefix for the target's project."""
        organization, project = self._where()
        return f"{EXTENSION}/organizations/{organization}/projects/{project}"

    def _where(self) -> tuple[str, str]:
        if not hasattr(self, "_location"):
            self._location = self.location()
        return self._location

    def close(self) -> None:
        self.http.close()


def _answer(response: httpx.Response) -> Json:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.is_success:
        return body if isinstance(body, dict) else {}
    if isinstance(body, dict) and "message" in body:
        code = body.get("code")
        raise ApiError(
            response.status_code, code if isinstance(code, int) else None, str(body["message"])
        )
    raise ApiError(
        response.status_code,
        None,
        f"the server answered {response.status_code} {response.reason_phrase}",
    )
