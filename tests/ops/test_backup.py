"""Backups of the embedded store: online, consistent, and a restore gives back every read."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from tests.api.conftest import push
from tests.api.test_v2023 import push2023
from tests.support.postgres import PostgresCluster
from tests.support.server import ApiClient, LiveServer, packyard, running_server


def everything(api: ApiClient, skip: str = "") -> dict[str, Any]:
    """Every read a client can make of the registry's content, through both planes.

    The bucket named `skip` is left out (of the bucket list too) and read on its own.
    """
    seen: dict[str, Any] = {}

    def read(path: str) -> Any:
        response = api.get(path)
        assert response.status_code == 200, response.text
        seen[path] = response.json()
        return seen[path]

    read(api.v2 + "/registry")
    listed = read(api.v2 + "/buckets")["buckets"]
    listed[:] = [bucket for bucket in listed if bucket["name"] != skip]
    for bucket in listed:
        name = bucket["name"]
        read(api.v1 + f"/images/{name}")
        read(api.v2 + f"/buckets/{name}")
        for version in read(api.v2 + f"/buckets/{name}/versions")["versions"]:
            base = api.v2 + f"/buckets/{name}/versions/{version['fingerprint']}"
            read(base)
            read(base + "/builds")
        read(api.v1 + f"/images/{name}/iterations")
        for channel in read(api.v2 + f"/buckets/{name}/channels")["channels"]:
            read(api.v2 + f"/buckets/{name}/channels/{channel['name']}")
            read(api.v2 + f"/buckets/{name}/channels/{channel['name']}/history")
    return seen


def populate(api: ApiClient) -> None:
    """Content of both planes: versions, a user channel, a revocation."""
    push(api, "kept", "fp-1")
    push(api, "kept", "fp-2")
    push2023(api, "kept-too", "fp-a")
    created = api.post(api.v2 + "/buckets/kept/channels", json={"name": "prod"})
    assert created.status_code == 200, created.text
    assign = api.patch(
        api.v2 + "/buckets/kept/channels/prod",
        json={"version_fingerprint": "fp-1", "update_mask": "versionFingerprint"},
    )
    assert assign.status_code == 200, assign.text
    revoked = api.patch(
        api.v2 + "/buckets/kept/versions/fp-2",
        json={"revoke_at": "2000-01-01T00:00:00Z", "revocation_message": "cve"},
    )
    assert revoked.status_code == 200, revoked.text


@contextmanager
def pushes_landing(server: LiveServer) -> Iterator[None]:
    """Writes keep landing in the bucket "busy" while the block runs (from before it starts)."""
    stop = threading.Event()
    landed = threading.Event()
    writer = server.api("contributor")

    def keep_pushing() -> None:
        count = 0
        while not stop.is_set():
            count += 1
            push(writer, "busy", f"busy-{count}", components=("null.a",))
            landed.set()

    thread = threading.Thread(target=keep_pushing)
    thread.start()
    try:
        assert landed.wait(timeout=60), "no push landed"
        yield
    finally:
        stop.set()
        thread.join()


def assert_whole_versions(api: ApiClient) -> None:
    """The bucket written during the backup holds a consistent prefix: every version whole."""
    versions = api.get(api.v2 + "/buckets/busy/versions").json()["versions"]
    assert versions, "the backup ran while pushes were landing"
    for version in versions:
        base = api.v2 + f"/buckets/busy/versions/{version['fingerprint']}"
        builds = api.get(base + "/builds").json()["builds"]
        done = [build["status"] == "BUILD_DONE" for build in builds]
        assert len(builds) <= 1
        assert (version["status"] == "VERSION_ACTIVE") == (done == [True]), version
    numbers = sorted(int(v["name"][1:]) for v in versions if v["name"] != "v0")
    assert numbers == list(range(1, len(numbers) + 1))


def test_backup_while_serving_and_restore_gives_back_every_read(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    with running_server(tmp_path / "one") as server:
        api = server.api("admin")
        populate(api)
        before = everything(api, skip="busy")
        with pushes_landing(server):
            made = packyard("backup", str(tmp_path / "store.backup"), data_dir=server.data_dir)
        assert "schema revision" in made.stdout
        again = packyard(
            "backup", str(tmp_path / "store.backup"), data_dir=server.data_dir, check=False
        )
        assert again.returncode == 1 and "exists" in again.stderr

        push(api, "after-backup", "fp-late")  # not in the backup
        refused = packyard(
            "restore", str(tmp_path / "store.backup"), data_dir=server.data_dir, check=False
        )
        assert refused.returncode == 1 and "running" in refused.stderr
        data_dir = server.data_dir

    restored = packyard("restore", str(tmp_path / "store.backup"), data_dir=data_dir)
    assert "restored" in restored.stdout
    with running_server(tmp_path / "one") as server:
        api = server.api("admin")
        assert everything(api, skip="busy") == before
        assert_whole_versions(api)


def test_pg_dump_while_serving_and_pg_restore_give_back_every_read(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    """The PostgreSQL procedure docs/deploy.md gives, step by step."""
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    dump = tmp_path / "packyard.dump"
    with running_server(tmp_path / "one", database=postgres.create_database()) as server:
        api = server.api("admin")
        populate(api)
        before = everything(api, skip="busy")
        with pushes_landing(server):
            subprocess.run(
                [
                    str(postgres.bin_dir / "pg_dump"),
                    "--format=custom",
                    f"--file={dump}",
                    str(server.database),
                ],
                check=True,
                timeout=120,
            )
        push(api, "after-backup", "fp-late")  # not in the dump
    restored = postgres.create_database("restored")
    subprocess.run(
        [
            str(postgres.bin_dir / "pg_restore"),
            "--no-owner",
            "--role=packyard",
            f"--dbname={restored}",
            str(dump),
        ],
        check=True,
        timeout=120,
    )
    packyard("migrate", data_dir=tmp_path / "two" / "data", database=restored)
    with running_server(tmp_path / "two", database=restored) as server:
        api = server.api("admin")
        assert everything(api, skip="busy") == before
        assert_whole_versions(api)


def test_bad_backups_and_other_stores_get_clear_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    data_dir = tmp_path / "data"
    result = packyard("restore", str(junk), data_dir=data_dir, check=False)
    assert result.returncode == 1
    assert "not a Packyard store" in result.stderr and "Traceback" not in result.stderr
    missing = packyard("restore", str(tmp_path / "nope"), data_dir=data_dir, check=False)
    assert missing.returncode == 1 and "no backup" in missing.stderr
    other = packyard(
        "backup",
        str(tmp_path / "x"),
        "--database",
        "postgresql://nobody@127.0.0.1:1/none",
        data_dir=data_dir,
        check=False,
    )
    assert other.returncode == 1 and "pg_dump" in other.stderr


def _projects(data_dir: Path) -> list[str]:
    listed = json.loads(packyard("project", "list", "--json", data_dir=data_dir).stdout)
    return sorted(item["name"] for item in listed)


def _schema(store: Path) -> set[tuple[str, str]]:
    with closing(sqlite3.connect(store)) as conn:
        return set(conn.execute("SELECT type, name FROM sqlite_master"))


def _store_and_backup(tmp_path: Path) -> tuple[Path, Path]:
    """A store holding projects "kept" and "later", and a backup holding only "kept"."""
    data_dir = tmp_path / "data"
    packyard("project", "create", "kept", "--new-organization", data_dir=data_dir)
    backup = tmp_path / "store.backup"
    packyard("backup", str(backup), data_dir=data_dir)
    packyard("project", "create", "later", "--new-organization", data_dir=data_dir)
    return data_dir, backup


def test_restore_checks_the_file_first_and_leaves_the_live_store_as_it_was(
    tmp_path: Path,
) -> None:
    data_dir, backup = _store_and_backup(tmp_path)
    store = data_dir / "packyard.db"
    newer = tmp_path / "newer.backup"
    shutil.copy(backup, newer)
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_a_later_release'")
        conn.commit()
    foreign = tmp_path / "foreign.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE principals (id TEXT)")
        conn.commit()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database\n" * 100)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    for bad, says in (
        (newer, "schema revision 9999_from_a_later_release"),
        (foreign, "not a Packyard store"),
        (text_file, "not a Packyard store"),
    ):
        result = packyard("restore", str(bad), data_dir=data_dir, check=False)
        assert result.returncode == 1, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], lines
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before
        assert sorted(path.name for path in data_dir.iterdir()) == ["packyard.db"]
    assert _projects(data_dir) == ["kept", "later"]


def test_restore_drops_what_is_not_packyards(tmp_path: Path) -> None:
    data_dir, backup = _store_and_backup(tmp_path)
    ours = _schema(data_dir / "packyard.db")
    with closing(sqlite3.connect(backup)) as conn:
        conn.executescript(
            """
            CREATE TABLE copied (value TEXT);
            CREATE TRIGGER copy_audit AFTER INSERT ON audit_events
                BEGIN INSERT INTO copied VALUES (new.resource); END;
            CREATE TRIGGER no_new_principals BEFORE INSERT ON principals
                BEGIN SELECT RAISE(ABORT, 'no'); END;
            CREATE VIEW every_secret AS SELECT * FROM principals;
            CREATE INDEX ix_projects_by_name ON projects (name);
            """
        )
    restored = packyard("restore", str(backup), data_dir=data_dir)
    assert "restored" in restored.stdout, restored.stderr
    assert _schema(data_dir / "packyard.db") == ours
    assert _projects(data_dir) == ["kept"]
    packyard("project", "create", "after", "--new-organization", data_dir=data_dir)
    packyard("principal", "create", "ci", "--role", "viewer", data_dir=data_dir)
    assert _projects(data_dir) == ["after", "kept"]
