"""Where an issuer's keys come from: its discovery document over https from an allowed
address only, kept for a while, or a pinned JWKS file with no fetch at all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from packyard.auth.federation import IssuerKeys, verify
from packyard.config import WorkloadIdentitySettings
from packyard.domain.workload_identity import PrincipalName, Provider, ProviderName
from packyard.errors import Unauthenticated
from tests.support.oidc import Issuer, running_issuer

NAME = ProviderName(PrincipalName("p1", "ci"), "github")


def _provider(issuer: str) -> Provider:
    now = datetime.now(UTC)
    return Provider(
        "id", NAME, "sp", issuer, (), 'jwt_claims.repository == "acme/app"', "", now, now
    )


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_issuer(tmp_path_factory.mktemp("issuer")) as found:
        yield found


def test_an_issuer_on_loopback_is_refused_unless_its_network_is_allowed(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(issuer.ca_file))
    token = issuer.token(issuer.claims(NAME.resource_name))
    with pytest.raises(Unauthenticated, match="loopback"):
        verify(token, _provider(issuer.url), IssuerKeys(WorkloadIdentitySettings()), skew_seconds=0)
    allowed = WorkloadIdentitySettings(allowed_networks=("127.0.0.1/32",))
    claims = verify(token, _provider(issuer.url), IssuerKeys(allowed), skew_seconds=0)
    assert claims["repository"] == "acme/app"


def test_keys_are_fetched_once_and_kept(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(issuer.ca_file))
    keys = IssuerKeys(WorkloadIdentitySettings(allowed_networks=("127.0.0.1/32",)))
    before = len(issuer.requests)
    for _ in range(3):
        verify(
            issuer.token(issuer.claims(NAME.resource_name)),
            _provider(issuer.url),
            keys,
            skew_seconds=0,
        )
    assert issuer.requests[before:] == ["/.well-known/openid-configuration", "/jwks"]


def test_a_pinned_jwks_file_is_used_without_any_fetch(issuer: Issuer, tmp_path: Path) -> None:
    pinned = tmp_path / "jwks.json"
    pinned.write_text(json.dumps(issuer.jwks()))
    remote = "https://token.actions.githubusercontent.com"

    def no_fetch(url: str) -> dict[str, Any]:
        raise AssertionError(f"fetched {url}")

    keys = IssuerKeys(WorkloadIdentitySettings(pinned_jwks=((remote, str(pinned)),)), no_fetch)
    token = issuer.token(issuer.claims(NAME.resource_name, iss=remote))
    assert verify(token, _provider(remote), keys, skew_seconds=0)["iss"] == remote


def test_a_discovery_document_naming_another_issuer_is_refused() -> None:
    def fetch(url: str) -> dict[str, Any]:
        return {"issuer": "https://elsewhere.example", "jwks_uri": "https://elsewhere.example/k"}

    keys = IssuerKeys(WorkloadIdentitySettings(), fetch)
    with pytest.raises(Unauthenticated, match="names another issuer"):
        keys.key("https://issuer.example", "k1")


def test_plain_http_is_refused_even_into_an_allowed_network() -> None:
    from packyard.outbound import Destinations, Refused

    destinations = Destinations.for_issuers(
        WorkloadIdentitySettings(allowed_networks=("127.0.0.1/32",))
    )
    with pytest.raises(Refused, match="not an https URL"):
        destinations.check("http://127.0.0.1:8443/.well-known/openid-configuration")


def test_the_settings_are_read_and_bounded() -> None:
    from packyard.config import SettingsError

    read = WorkloadIdentitySettings.from_env(
        {
            "PACKYARD_WIF_ALLOWED_NETWORKS": "10.0.0.0/8",
            "PACKYARD_WIF_PINNED_JWKS": "https://issuer.example=/etc/jwks.json",
            "PACKYARD_WIF_CLOCK_SKEW": "30",
        }
    )
    assert read.allowed_networks == ("10.0.0.0/8",)
    assert read.pinned_jwks == (("https://issuer.example", "/etc/jwks.json"),)
    assert read.clock_skew_seconds == 30
    prefixed = {"PACKYARD_" + key: value for key, value in read.to_env().items()}
    assert WorkloadIdentitySettings.from_env(prefixed) == read
    with pytest.raises(SettingsError, match="at most 300"):
        WorkloadIdentitySettings.from_env({"PACKYARD_WIF_CLOCK_SKEW": "3600"})
    with pytest.raises(SettingsError, match="<issuer uri>=<jwks file>"):
        WorkloadIdentitySettings.from_env({"PACKYARD_WIF_PINNED_JWKS": "/etc/jwks.json"})
