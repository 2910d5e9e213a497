"""The readers of PACKYARD_* values, each checked, shared by config and its sections."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

ENV_PREFIX = "PACKYARD_"


class SettingsError(ValueError):
    """A setting that cannot be used, with a message for the operator."""


def number(env: Mapping[str, str], key: str, default: float, *, minimum: float) -> float:
    raw = env.get(ENV_PREFIX + key)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{ENV_PREFIX}{key} must be a number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{ENV_PREFIX}{key} must be at least {minimum:g}")
    return value


def items(env: Mapping[str, str], key: str) -> tuple[str, ...] | None:
    raw = env.get(ENV_PREFIX + key)
    if raw is None:
        return None
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def networks(env: Mapping[str, str], key: str) -> tuple[str, ...]:
    """A comma-separated list of addresses or networks (e.g. 10.0.0.0/24), each checked."""
    networks = items(env, key) or ()
    for item in networks:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise SettingsError(
                f"{ENV_PREFIX}{key}: {item!r} is not an address or network"
            ) from None
    return networks
