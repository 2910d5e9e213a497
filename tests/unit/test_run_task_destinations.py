"""Where the run task may connect: allowed hosts, public addresses, allowed networks."""

from __future__ import annotations

import ipaddress
import time

import pytest

from packyard import outbound
from packyard.config import RUN_TASK_HOSTS, RunTaskSettings, SettingsError
from packyard.outbound import Destinations, Refused, address_refusal

REFUSED = (
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.1.2.3",
    "172.16.0.9",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata service
    "fd00:ec2::254",  # AWS's metadata service over IPv6
    "100.100.100.200",  # Alibaba's metadata service (shared address space)
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "0.0.0.0",
    "::",
    "224.0.0.1",
    "ff02::1",
    "192.0.2.1",  # documentation
)


@pytest.mark.parametrize("text", REFUSED)
def test_non_public_addresses_are_refused(text: str) -> None:
    assert address_refusal(ipaddress.ip_address(text), ()) is not None


@pytest.mark.parametrize("text", ["8.8.8.8", "2606:4700:4700::1111", "52.1.2.3"])
def test_public_addresses_are_allowed(text: str) -> None:
    assert address_refusal(ipaddress.ip_address(text), ()) is None


def test_an_allowed_network_lets_its_addresses_in() -> None:
    allowed = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.20.0.0/16"))
    for text in ("127.0.0.1", "::ffff:127.0.0.1", "10.20.3.4"):
        assert address_refusal(ipaddress.ip_address(text), allowed) is None
    for text in ("127.0.0.2", "10.21.0.1", "169.254.169.254"):
        assert address_refusal(ipaddress.ip_address(text), allowed) is not None


def _destinations(addresses: dict[str, list[str]], networks: tuple[str, ...] = ()) -> Destinations:
    def resolver(host: str, port: int) -> list[str]:
        return addresses.get(host, [])

    return Destinations(
        frozenset({"app.terraform.io", "tfe.internal"}),
        tuple(ipaddress.ip_network(item) for item in networks),
        resolver,
    )


def test_urls_are_checked_against_hosts_schemes_and_every_address() -> None:
    found = _destinations(
        {
            "app.terraform.io": ["52.1.2.3", "2600:1f18::1"],
            "tfe.internal": ["10.20.0.5"],
            "evil.example": ["52.9.9.9"],
        }
    )
    found.check("https://app.terraform.io/api/v2/plans/plan-1/json-output")
    found.check("https://APP.terraform.io.:8443/api/v2/task-results/1/callback")
    for url, reason in (
        ("https://evil.example/plan", "not an allowed Terraform host"),
        ("https://tfe.internal/plan", "10.20.0.5 is not a public address"),
        ("http://app.terraform.io/plan", "use https"),
        ("ftp://app.terraform.io/plan", "not an http(s) URL"),
        ("https://user:pw@app.terraform.io/plan", "credentials"),
        ("file:///etc/passwd", "not an http(s) URL"),
    ):
        with pytest.raises(Refused, match=reason.replace("(", r"\(").replace(")", r"\)")):
            found.check(url)


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    found = _destinations({"app.terraform.io": ["52.1.2.3", "169.254.169.254"]})
    with pytest.raises(Refused, match="link-local"):
        found.check("https://app.terraform.io/plan")


def test_an_allowed_network_may_be_reached_over_http() -> None:
    found = _destinations({"tfe.internal": ["10.20.0.5"]}, ("10.20.0.0/16",))
    found.check("http://tfe.internal/plan")
    found.check("https://tfe.internal/plan")


def test_settings_default_to_hcp_terraform_and_refuse_bad_networks() -> None:
    defaults = RunTaskSettings.from_env({})
    assert (
        defaults.allowed_hosts == RUN_TASK_HOSTS == ("app.terraform.io", "archivist.terraform.io")
    )
    assert defaults.allowed_networks == ()
    env = {
        "PACKYARD_RUN_TASK_ALLOWED_HOSTS": "TFE.example.com., app.terraform.io",
        "PACKYARD_RUN_TASK_ALLOWED_NETWORKS": "10.0.0.0/8, 127.0.0.1",
        "PACKYARD_RUN_TASK_MAX_PLAN_BYTES": "65536",
        "PACKYARD_RUN_TASK_DEADLINE": "5",
    }
    chosen = RunTaskSettings.from_env(env)
    assert chosen.allowed_hosts == ("tfe.example.com", "app.terraform.io")
    assert chosen.allowed_networks == ("10.0.0.0/8", "127.0.0.1")
    assert (chosen.max_plan_bytes, chosen.deadline_seconds) == (65536, 5.0)
    assert RunTaskSettings.from_env({"PACKYARD_" + k: v for k, v in chosen.to_env().items()}) == (
        chosen
    )
    with pytest.raises(SettingsError, match="RUN_TASK_ALLOWED_NETWORKS"):
        RunTaskSettings.from_env({"PACKYARD_RUN_TASK_ALLOWED_NETWORKS": "metadata.internal"})


def test_a_resolver_that_does_not_answer_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbound, "RESOLVE_SECONDS", 0.2)
    monkeypatch.setattr(outbound.socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(1))
    started = time.monotonic()
    with pytest.raises(Refused, match="did not resolve within"):
        outbound.resolve("app.terraform.io", 443)
    assert time.monotonic() - started < 0.9
