"""Benchmark of the console's pages (not a test): server time per page, 1,000 buckets x 20.

    python bench/bench_console.py [--requests 50] [--buckets 1000] [--versions 20]

Starts `packyard serve` on a fresh SQLite data directory, writes 1,000 buckets of 20
complete versions each (one build, two artifacts a version; `latest` on the newest, a
`production` channel with two assignments) straight into its store, signs in to the console
as an admin user, and asks each page `--requests` times one after another. The mean server time
of each page comes from the server's own latency histogram (the console's pages are timed
in the API's series, by their console.* operation names).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import httpx
from harness import _server_seconds
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.people import new_person
from tests.support.server import LiveServer, running_server

from packyard.config import Settings
from packyard.ids import new_id, utcnow
from packyard.store import tables as t
from packyard.store.engine import Store, make_engine

TARGET_MS = 50.0


def seed(server: LiveServer, bucket_count: int, version_count: int) -> None:
    """Write the store's content in bulk, as a long-running registry would have it."""
    engine = make_engine(Settings(server.data_dir).store_url)
    store = Store(engine)
    start = utcnow() - timedelta(days=30)
    rows: dict[str, list[dict[str, object]]] = {
        "buckets": [],
        "versions": [],
        "builds": [],
        "version_platforms": [],
        "artifacts": [],
        "channels": [],
        "channel_history": [],
    }
    for b in range(bucket_count):
        bucket_id, when = new_id(), start + timedelta(seconds=b)
        rows["buckets"].append(
            {
                "id": bucket_id,
                "organization_id": server.org_id,
                "project_id": server.project_id,
                "name": f"image-{b:04d}",
                "description": f"Image {b}",
                "labels": {"team": f"t{b % 10}", "os": "linux"},
                "created_at": when,
                "updated_at": when,
                "version_count": version_count,
            }
        )
        version_ids = []
        for v in range(1, version_count + 1):
            version_id, build_id = new_id(), new_id()
            version_ids.append(version_id)
            rows["versions"].append(
                {
                    "id": version_id,
                    "bucket_id": bucket_id,
                    "fingerprint": f"fp-{b}-{v}",
                    "sequence": v,
                    "template_type": "HCL2",
                    "author_id": "bench",
                    "revoke_at": None,
                    "revocation_message": "",
                    "revocation_author": "",
                    "revoked_from_id": None,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            rows["builds"].append(
                {
                    "id": build_id,
                    "version_id": version_id,
                    "component_type": "amazon-ebs.base",
                    "packer_run_uuid": "",
                    "platform": "aws",
                    "status": "DONE",
                    "labels": {"os": "linux"},
                    "metadata": {},
                    "source_external_identifier": "",
                    "parent_version_id": None,
                    "parent_channel_id": None,
                    "created_at": when,
                    "updated_at": when,
                }
            )
            rows["version_platforms"].append(
                {"version_id": version_id, "platform": "aws", "bucket_id": bucket_id}
            )
            for region in ("us-east-1", "eu-west-1"):
                rows["artifacts"].append(
                    {
                        "id": new_id(),
                        "build_id": build_id,
                        "region": region,
                        "external_identifier": f"ami-{b:04d}{v:02d}{region[:2]}",
                        "labels": {},
                        "created_at": when,
                    }
                )
        for name, managed, assigned in (
            ("latest", True, version_ids[-1:]),
            ("production", False, version_ids[-3:-1]),
        ):
            channel_id = new_id()
            rows["channels"].append(
                {
                    "id": channel_id,
                    "bucket_id": bucket_id,
                    "name": name,
                    "version_id": assigned[-1],
                    "managed": managed,
                    "restricted": False,
                    "author_id": "bench",
                    "created_at": when,
                    "updated_at": when,
                }
            )
            for version_id in assigned:
                rows["channel_history"].append(
                    {
                        "id": new_id(),
                        "channel_id": channel_id,
                        "version_id": version_id,
                        "author_id": "bench",
                        "reason": "completed" if managed else "manual",
                        "created_at": when,
                    }
                )
    with store.transaction(write=True) as conn:
        for table, values in rows.items():
            for at in range(0, len(values), 2000):
                conn.execute(insert(getattr(t, table)), values[at : at + 2000])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--buckets", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root, running_server(Path(root)) as server:
        api = server.api("admin")
        seed(server, args.buckets, args.versions)
        person = new_person(server, "admin")
        browser = httpx.Client(base_url=server.base_url, verify=server.tls(), timeout=60)
        form = browser.get("/signin").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert csrf is not None
        signed = browser.post(
            "/signin",
            data={"csrf_token": csrf.group(1), "name": person.name, "password": person.password},
        )
        assert signed.status_code == 303, signed.text
        p = f"/organizations/{server.org_id}/projects/{server.project_id}"
        b = p + "/buckets/image-0500"
        pages = {
            "console.Home": p,
            "console.Buckets": p + "/buckets",
            "console.Buckets (page 40)": p + "/buckets?page=40",
            "console.Buckets (label, platform, sort)": p
            + "/buckets?label=team%3Dt3&platform=aws&sort=-updated",
            "console.Search (artifact id)": p + "/search?q=ami-050010us",
            "console.Bucket": b,
            "console.Versions": b + "/versions",
            "console.Version": b + "/versions/fp-500-19",
            "console.RevokeDialog (preview)": b
            + "/versions/fp-500-19/revoke?preview=1&when=now&descendants=on&rollback=on",
            "console.Channels": b + "/channels",
            "console.Channel": b + "/channels/production",
        }
        print(f"\n{args.buckets} buckets x {args.versions} versions, {args.requests} requests each")
        print("\n| page | mean server ms | target |")
        print("|---|---|---|")
        for label, path in pages.items():
            operation = label.split(" ")[0]
            first = browser.get(path)
            if first.status_code != 200:
                raise SystemExit(f"{path}: {first.status_code}\n{server.log_text()[-3000:]}")
            before = _server_seconds(api).get(operation, (0.0, 0.0))
            for _ in range(args.requests):
                browser.get(path).raise_for_status()
            after = _server_seconds(api)[operation]
            ms = 1000 * (after[0] - before[0]) / (after[1] - before[1])
            print(f"| {label} | {ms:.2f} | {'met' if ms <= TARGET_MS else 'MISSED'} |")


if __name__ == "__main__":
    main()
