"""Finding a version by what a person calls it: its fingerprint, its name ("v3") or its id."""

from __future__ import annotations

from typing import Any

from packyard.people.client import Client, Json, segment
from packyard.people.errors import ApiError, NotFound, Usage


def label_pairs(items: list[str], what: str = "label") -> dict[str, str]:
    """KEY=VALUE arguments as a mapping."""
    found = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise Usage(f'{what} "{item}" is not KEY=VALUE')
        found[key.strip()] = value
    return found


def bucket_path(client: Client, bucket: str) -> str:
    return f"{client.registry()}/buckets/{segment(bucket)}"


def find_version(client: Client, bucket: str, ref: str) -> Json:
    """GetVersion by fingerprint; a name or id is looked up in ListVersions."""
    if not ref.strip():
        raise Usage("a version is its fingerprint, its name (v3) or its id; got nothing")
    base = bucket_path(client, bucket)
    try:
        version: Json = client.get(f"{base}/versions/{segment(ref)}")["version"]
        return version
    except ApiError as exc:
        # HCP answers an unknown fingerprint with Aborted (10), which Packer takes to mean
        # "create it"; an unknown bucket is NotFound (5).
        if exc.code not in (5, 10):
            raise
    # An unknown bucket is not found here either, with the server's own message.
    for item in client.pages(f"{base}/versions", "versions"):
        if ref in (item.get("id"), item.get("name")) and ref != "v0":
            found: Json = client.get(f"{base}/versions/{segment(item['fingerprint'])}")["version"]
            return found
    raise NotFound(f'bucket "{bucket}" has no version "{ref}" (fingerprint, name or id)')


def version_path(client: Client, bucket: str, version: dict[str, Any]) -> str:
    return f"{bucket_path(client, bucket)}/versions/{segment(version['fingerprint'])}"
