"""The hot-path read (the caller and the registry's content stamp, asked by every cached
read) runs on a connection kept for it: no pool check-out (and so no pre-ping) per read,
and on PostgreSQL no transaction around it, so it is one round trip; /readyz's ping of the
database runs on it too. It still reads what the database holds now, written through any
other connection or replica."""

from __future__ import annotations

import mmap
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, insert, select

from packyard.config import PoolSettings
from packyard.errors import Unavailable
from packyard.ids import utcnow
from packyard.store.engine import Store, make_engine
from packyard.store.hot_reads import READER_SECONDS
from packyard.store.migrate import migrate
from packyard.store.prebuilt import Prebuilt
from packyard.store.tables import organizations
from tests.support.postgres import PostgresCluster

ONE_ORGANIZATION = Prebuilt(select(organizations.c.name).where(organizations.c.id == "org"))
FAST = PoolSettings(lock_timeout_seconds=0.5, connect_timeout_seconds=2)


def _store(url: str) -> Store:
    store = Store(make_engine(url, FAST))
    migrate(store.engine)
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'packyard.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    store = _store(url)
    try:
        yield store
    finally:
        store.dispose()


def _name(store: Store, name: str) -> None:
    with store.transaction(write=True) as conn:
        conn.execute(insert(organizations).values(id="org", name=name, created_at=utcnow()))


def test_hot_reads_take_no_connection_from_the_pool_each(store: Store) -> None:
    assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
    checkouts: list[object] = []

    def checked_out(*args: object) -> None:
        checkouts.append(args)

    event.listen(store.engine.pool, "checkout", checked_out)
    try:
        for _ in range(20):
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
            assert store.ping() is True  # what /readyz asks
        _name(store, "written elsewhere")  # a transaction, through the pool
        for _ in range(5):  # the kept connection sees what was committed since
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) == {
                "name": "written elsewhere"
            }
    finally:
        event.remove(store.engine.pool, "checkout", checked_out)
    assert len(checkouts) == 1  # the write's transaction alone


def _packyard_backends(cluster: PostgresCluster) -> list[tuple[int, str]]:
    with psycopg.connect(cluster.admin_url(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE application_name = 'packyard'"
        ).fetchall()
    return [(row[0], row[1]) for row in rows]


def test_a_kept_connection_is_outside_any_transaction_and_replaced_when_dropped(
    postgres: PostgresCluster,
) -> None:
    store = _store(postgres.create_database())
    try:
        store.engine.dispose()  # only the hot read's connection is left open
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
        backends = _packyard_backends(postgres)
        assert [state for _, state in backends] == ["idle"]  # not "idle in transaction"
        with psycopg.connect(postgres.admin_url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backends[0][0],))
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None  # asked again, fresh
        postgres.stop("fast")
        try:
            with pytest.raises(Unavailable):
                store.read_one(ONE_ORGANIZATION, {"id_1": "org"})
            assert store.ping() is False
        finally:
            postgres.start()
            postgres.wait_ready()
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}) is None
        assert store.ping() is True
    finally:
        store.dispose()


def _statements_of_the_kept_reader(store: Store) -> list[str]:
    """What SQLite runs on the hot reads' connection from now on."""
    ran: list[str] = []
    for reader in store._hot._kept:
        reader.conn.set_trace_callback(ran.append)
    return ran


def test_a_reused_sqlite_read_asks_sqlite_nothing_until_something_changed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "packyard.db"
    store, replica = _store(f"sqlite:///{path}"), Store(make_engine(f"sqlite:///{path}", FAST))
    try:
        _name(store, "first")
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {"name": "first"}
        ran = _statements_of_the_kept_reader(store)
        for _ in range(3):
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {
                "name": "first"
            }
        assert ran == []  # the WAL index's header said nothing was committed
        # A commit by another store on the file (another worker or replica) is seen at once,
        with replica.transaction(write=True) as conn:
            conn.execute(organizations.update().values(name="renamed by a replica"))
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {
            "name": "renamed by a replica"
        }
        # and so is one of this store's own transactions.
        with store.transaction(write=True) as conn:
            conn.execute(organizations.update().values(name="renamed here"))
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {
            "name": "renamed here"
        }
        assert [statement.split()[0] for statement in ran] == ["SELECT", "SELECT"]
        # Other parameters are another read.
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "none"}, reuse=True) is None
    finally:
        store.dispose()
        replica.dispose()


def test_reuse_changes_nothing_on_postgresql(postgres: PostgresCluster) -> None:
    store = _store(postgres.create_database())
    try:
        _name(store, "first")
        for name in ("first", "second"):
            if name == "second":
                with store.transaction(write=True) as conn:
                    conn.execute(organizations.update().values(name=name))
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {"name": name}
    finally:
        store.dispose()


def test_a_header_being_written_is_not_trusted(tmp_path: Path) -> None:
    """While a commit writes the WAL index's header its two copies differ: the read then
    asks SQLite's own `PRAGMA data_version` instead."""
    store = _store(f"sqlite:///{tmp_path / 'packyard.db'}")
    try:
        _name(store, "first")
        assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {"name": "first"}
        (reader,) = store._hot._kept
        assert reader.wal is not None  # the file's header is mapped
        torn = mmap.mmap(-1, 96)
        torn[:96] = reader.wal[:48] + bytes(48)
        reader.wal = torn
        ran = _statements_of_the_kept_reader(store)
        for _ in range(2):
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {
                "name": "first"
            }
        # The first read finds a version it has not seen (the pragma's), so asks the row again.
        assert [statement.split()[0] for statement in ran] == ["PRAGMA", "SELECT", "PRAGMA"]
    finally:
        store.dispose()


def _locks_held_on(path: Path) -> list[str]:
    """This process's POSIX locks on the file, as the kernel lists them."""
    found = os.stat(path)
    inode = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}"
    held = []
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "POSIX" in fields and str(os.getpid()) in fields and inode in fields:
            held.append(line)
    return held


def test_mapping_the_wal_index_leaves_sqlites_locks_in_place(tmp_path: Path) -> None:
    """fcntl locks belong to the process, and closing any descriptor of a file drops them
    all: the mapping is opened once and never closed, so SQLite's own locks on the `-shm`
    file (which tell other processes this one is reading) stay while readers come and go."""
    path = tmp_path / "packyard.db"
    store = _store(f"sqlite:///{path}")
    try:
        _name(store, "first")
        for _ in range(3):
            store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True)
        shm = Path(f"{path}-shm")
        held = _locks_held_on(shm)
        assert held  # SQLite's shared lock on the WAL index, at least
        for _ in range(5):  # each reader replaced, as after READER_SECONDS
            for reader in store._hot._kept:
                reader.since -= READER_SECONDS
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {
                "name": "first"
            }
            assert _locks_held_on(shm) == held
    finally:
        store.dispose()


_COMMIT_ELSEWHERE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("UPDATE organizations SET name = ?", (sys.argv[2],))
conn.commit()
conn.close()
"""


def test_a_commit_by_another_process_is_seen_even_after_the_file_is_made_anew(
    tmp_path: Path,
) -> None:
    """Another process's commit is seen at the next read. When every connection to the file
    has closed, SQLite deletes the `-shm` file and the next opener makes a new one: a store
    opened then maps the new file, not the one kept mapped before."""
    path = tmp_path / "packyard.db"
    for name in ("first", "second"):
        store = _store(f"sqlite:///{path}")
        try:
            if name == "first":
                _name(store, name)
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) is not None
            (reader,) = store._hot._kept
            assert reader.wal is not None
            subprocess.run(
                [sys.executable, "-c", _COMMIT_ELSEWHERE, str(path), f"{name} elsewhere"],
                check=True,
            )
            assert store.read_one(ONE_ORGANIZATION, {"id_1": "org"}, reuse=True) == {
                "name": f"{name} elsewhere"
            }
        finally:
            store.dispose()
        assert not Path(f"{path}-shm").exists()  # the last connection closed: SQLite removed it
