"""Where the people's commands find a registry: the HCP_* variables or a stored profile.

A profile is what `packyard login --url` wrote: the server's URL, a key, the organization and
project, and the CA to trust. Profiles live in one owner-only JSON file under the user's
config directory (platformdirs), as gh and kubectl keep theirs.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_cache_dir, user_config_dir

from packyard.config import client_from_env
from packyard.people.errors import Refused, Usage

HCP_API = "api.cloud.hashicorp.com"
HCP_AUTH = "https://auth.idp.hashicorp.com"
DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Target:
    """One registry and the key to use on it."""

    api_url: str  # scheme://host:port of the API
    auth_url: str  # scheme://host:port of the token endpoint
    client_id: str
    client_secret: str
    organization_id: str = ""
    project_id: str = ""
    ca_file: str = ""  # PEM roots to verify the server by ("" for the system's)
    insecure: bool = False  # HCP_API_TLS=insecure: no certificate check

    @property
    def verify(self) -> str | bool:
        if self.insecure:
            return False
        return self.ca_file or True


def profiles_file() -> Path:
    return Path(user_config_dir("packyard")) / "profiles.json"


def token_cache_file() -> Path:
    return Path(user_cache_dir("packyard")) / "tokens.json"


def write_private(path: Path, payload: object) -> None:
    """Write JSON to a file only its owner may read (a new file replaces the old at once)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = path.with_name(path.name + ".new")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(payload, file, indent=2)
    os.chmod(scratch, 0o600)
    os.replace(scratch, path)


def read_json(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except ValueError:
        raise Refused(f"{path} is not JSON; remove it and log in again") from None
    return found if isinstance(found, dict) else {}


def load_profiles() -> dict[str, dict[str, str]]:
    return {
        name: {key: str(value) for key, value in entry.items()}
        for name, entry in read_json(profiles_file()).items()
        if isinstance(entry, dict)
    }


def save_profile(name: str, target: Target) -> Path:
    profiles = load_profiles()
    profiles[name] = {key: str(value) for key, value in asdict(target).items() if value}
    path = profiles_file()
    write_private(path, profiles)
    return path


def _url(address: str, tls: str) -> str:
    if "://" in address:
        return address.rstrip("/")
    return ("http://" if tls == "disabled" else "https://") + address


def from_environment(env: dict[str, str]) -> Target:
    """The target the HCP_* variables name (HCP_API_HOST wins over HCP_API_ADDRESS)."""
    tls = env.get("HCP_API_TLS", "")
    if tls not in ("", "disabled", "insecure"):
        raise Usage(f'HCP_API_TLS is "{tls}"; use "disabled", "insecure" or leave it unset')
    address = env.get("HCP_API_HOST") or env.get("HCP_API_ADDRESS") or HCP_API
    return Target(
        api_url=_url(address, tls),
        auth_url=(env.get("HCP_AUTH_URL") or HCP_AUTH).rstrip("/"),
        client_id=env.get("HCP_CLIENT_ID", ""),
        client_secret=env.get("HCP_CLIENT_SECRET", ""),
        organization_id=env.get("HCP_ORGANIZATION_ID", ""),
        project_id=env.get("HCP_PROJECT_ID", ""),
        ca_file=env.get("SSL_CERT_FILE", ""),
        insecure=tls == "insecure",
    )


def from_profile(name: str, entry: dict[str, str], ca_file: str = "") -> Target:
    if not entry.get("api_url") or not entry.get("client_id"):
        raise Refused(f'profile "{name}" is incomplete; run `packyard login` again')
    return Target(
        api_url=entry["api_url"],
        auth_url=entry.get("auth_url") or entry["api_url"],
        client_id=entry["client_id"],
        client_secret=entry.get("client_secret", ""),
        organization_id=entry.get("organization_id", ""),
        project_id=entry.get("project_id", ""),
        ca_file=entry.get("ca_file") or ca_file,
        insecure=entry.get("insecure") == "True",
    )


def resolve_target(profile: str | None) -> Target:
    """--profile if given; else the HCP_* variables if they name a key; else the default
    profile. A profile stored without a CA trusts SSL_CERT_FILE, else the system's roots."""
    env = client_from_env()
    if profile is None and env.get("HCP_CLIENT_ID"):
        target = from_environment(env)
        if not target.client_secret:
            raise Refused("HCP_CLIENT_ID is set but HCP_CLIENT_SECRET is not")
        return target
    profiles = load_profiles()
    name = profile or DEFAULT_PROFILE
    if name not in profiles:
        if profile is None:
            raise Refused(
                "no registry to talk to: run `packyard login --url URL`, "
                "or set HCP_CLIENT_ID and HCP_CLIENT_SECRET (see `packyard env`)"
            )
        known = ", ".join(sorted(profiles)) or "none yet"
        raise Usage(f'no profile named "{name}" (profiles: {known})')
    return from_profile(name, profiles[name], env.get("SSL_CERT_FILE", ""))


def check_url(url: str) -> str:
    """A --url for login: http(s)://host[:port], nothing after it."""
    parts = urlsplit(url if "://" in url else "https://" + url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Usage(f'"{url}" is not a server URL; use e.g. https://packyard.example.com:8443')
    if parts.path.strip("/") or parts.query:
        raise Usage(f'"{url}" has a path; give only the scheme, host and port')
    return f"{parts.scheme}://{parts.netloc}"
