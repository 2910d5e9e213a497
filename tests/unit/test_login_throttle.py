"""The token endpoint's failed-login limits, in a window: per client id from one source
address, per client id from anywhere (higher), per source address."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from packyard.config import LoginSettings, SettingsError
from packyard.domain.throttle import KEY_CHARS, LoginThrottle, ThrottleLimits
from packyard.wire.oauth import source_address, trusted_networks

LIMITS = ThrottleLimits(per_client_address=3, per_client=6, per_address=8, window_seconds=60)


def test_client_id_from_one_address_is_limited_there_only():
    throttle = LoginThrottle(LIMITS)
    for second in range(3):
        assert throttle.retry_after("a", "10.0.0.1", second) == 0
        throttle.failed("a", "10.0.0.1", second)
    # The third failure was at t=2: the first leaves the window at t=60.
    assert throttle.retry_after("a", "10.0.0.1", 2.5) == 58
    assert throttle.retry_after("a", "10.0.0.2", 2.5) == 0  # its owner, elsewhere, goes on
    assert throttle.retry_after("b", "10.0.0.1", 2.5) == 0  # others go on
    assert throttle.retry_after("a", "10.0.0.1", 59.5) == 1
    assert throttle.retry_after("a", "10.0.0.1", 60) == 0


def test_client_id_failing_from_many_addresses_is_limited_everywhere():
    throttle = LoginThrottle(LIMITS)
    for number in range(6):
        assert throttle.retry_after("a", f"10.0.1.{number}", number) == 0
        throttle.failed("a", f"10.0.1.{number}", number)
    assert throttle.retry_after("a", "10.0.0.1", 6) == 54  # from an address never seen
    assert throttle.retry_after("b", "10.0.1.0", 6) == 0


def test_address_limit_spans_client_ids():
    throttle = LoginThrottle(LIMITS)
    for number in range(8):
        throttle.failed(f"guess-{number}", "10.0.0.1", number)
    assert throttle.retry_after("valid", "10.0.0.1", 8) == 52
    assert throttle.retry_after("valid", "10.0.0.2", 8) == 0


def test_success_clears_its_address_count_of_the_client_only():
    throttle = LoginThrottle(LIMITS)
    for number in range(2):
        throttle.failed("a", "10.0.0.1", number)
    throttle.succeeded("a", "10.0.0.1")
    for number in range(2):
        throttle.failed("a", "10.0.0.1", 10 + number)
    assert throttle.retry_after("a", "10.0.0.1", 12) == 0  # two failures since the success
    throttle.failed("a", "10.0.0.1", 12)
    assert throttle.retry_after("a", "10.0.0.1", 12) > 0
    throttle.succeeded("a", "10.0.0.1")
    assert throttle.retry_after("a", "10.0.0.1", 13) == 0
    # The client id keeps all five failures, the address too: one more anywhere for the id,
    # three more from the address for any id, and each is refused.
    throttle.failed("a", "10.0.0.2", 14)
    assert throttle.retry_after("a", "10.0.0.3", 15) > 0
    for number in range(3):
        throttle.failed(f"other-{number}", "10.0.0.1", 16)
    assert throttle.retry_after("someone", "10.0.0.1", 17) > 0


def test_sliding_window_lets_failures_expire_one_by_one():
    limits = ThrottleLimits(
        per_client_address=2, per_client=100, per_address=100, window_seconds=10
    )
    throttle = LoginThrottle(limits)
    throttle.failed("a", "x", 0)
    throttle.failed("a", "x", 5)
    assert throttle.retry_after("a", "x", 6) == 4
    assert throttle.retry_after("a", "x", 10) == 0
    throttle.failed("a", "x", 10)
    assert throttle.retry_after("a", "x", 11) == 4  # the one at t=5 is now the oldest


def test_memory_is_bounded_and_long_ids_share_a_key():
    throttle = LoginThrottle(ThrottleLimits(per_client=1, per_address=10**9, max_keys=100))
    for number in range(1000):
        throttle.failed(f"id-{number}", "x", 0)
    assert len(throttle._clients.failures) == 100
    assert throttle.retry_after("id-999", "x", 1) > 0
    assert throttle.retry_after("id-0", "x", 1) == 0  # forgotten first
    long = "z" * KEY_CHARS
    throttle.failed(long + "1", "y", 0)
    assert throttle.retry_after(long + "2", "y", 1) > 0


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 5000), "headers": headers})


def test_source_address_trusts_forwarded_for_only_from_trusted_proxies():
    trusted = trusted_networks(("10.0.0.0/24", "127.0.0.3"))
    assert source_address(_request("192.0.2.7", "203.0.113.1"), trusted) == "192.0.2.7"
    assert source_address(_request("10.0.0.9", "203.0.113.1"), trusted) == "203.0.113.1"
    # A client's own claim before the proxies' hops is not believed.
    assert (
        source_address(_request("10.0.0.9", "198.51.100.1, 203.0.113.1, 127.0.0.3"), trusted)
        == "203.0.113.1"
    )
    assert source_address(_request("10.0.0.9"), trusted) == "10.0.0.9"
    assert source_address(_request("10.0.0.9", "not-an-address"), trusted) == "not-an-address"
    assert source_address(_request("127.0.0.1", "203.0.113.1"), trusted_networks(())) == "127.0.0.1"


def test_login_settings_from_the_environment():
    settings = LoginSettings.from_env(
        {
            "PACKYARD_LOGIN_FAILURES_PER_CLIENT": "4",
            "PACKYARD_LOGIN_FAILURES_PER_ADDRESS": "9",
            "PACKYARD_LOGIN_FAILURE_WINDOW": "30",
            "PACKYARD_TRUSTED_PROXIES": "10.0.0.0/24, ::1",
            "PACKYARD_LOGIN_FAILURES_PER_CLIENT_ADDRESS": "3",
            "PACKYARD_LOGIN_CONCURRENT_CHECKS": "1",
        }
    )
    assert settings == LoginSettings(
        4, 9, 30.0, ("10.0.0.0/24", "::1"), failures_per_client_address=3, concurrent_checks=1
    )
    assert LoginSettings.from_env({f"PACKYARD_{k}": v for k, v in settings.to_env().items()}) == (
        settings
    )
    assert LoginSettings.from_env({}) == LoginSettings()
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        LoginSettings.from_env({"PACKYARD_TRUSTED_PROXIES": "balancer"})
    with pytest.raises(SettingsError, match="at least 1"):
        LoginSettings.from_env({"PACKYARD_LOGIN_FAILURES_PER_CLIENT": "0"})
