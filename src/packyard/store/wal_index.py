"""Whether anything was committed to a SQLite database in WAL mode, read from memory.

Every commit rewrites the WAL index's header before it returns: two copies of 48 bytes at
the start of the `-shm` file, with a counter that each commit increments
(https://www.sqlite.org/walformat.html). SQLite compares them itself to tell whether its
cache is stale. Mapped read-only, the header is a read of memory, with no call into SQLite
(which would let go of the interpreter's lock and take it back).

Two rules keep this safe beside SQLite's own use of the file:

- **Nothing here is ever closed.** POSIX (fcntl) locks belong to the process, and closing
  any descriptor of a file drops every lock the process holds on it, SQLite's among them.
  So each `-shm` file a process maps stays open and mapped until the process ends: two
  descriptors (the file's and the mapping's) for each `-shm` file it ever maps, one in a
  server unless every connection to the database closed and SQLite made the file anew.
- **A mapping is trusted only beside an open connection that has read the database.** Such
  a connection holds SQLite's shared locks on the database file and the WAL index, so no
  connection of any process can truncate, delete or recreate the `-shm` file while it is
  open (SQLite does that only when it finds no other connection). `header_of` is asked
  after that connection's first read, and finds the file that connection uses.
"""

from __future__ import annotations

import mmap
import os

HEADER = 48
"""Bytes of one copy of the WAL index's header."""

_MAPPED: dict[tuple[int, int, int], mmap.mmap] = {}
"""(process, device, inode) → the file's first bytes, mapped; never closed (see above)."""


def header_of(database: str) -> mmap.mmap | None:
    """The WAL index of the SQLite file `database`, mapped read-only, or None when there is
    none to map. Ask only when the caller's connection is in WAL mode and has read."""
    path = f"{database}-shm"
    try:
        found = os.stat(path)
    except OSError:
        return None
    key = (os.getpid(), found.st_dev, found.st_ino)  # a forked process maps it anew
    mapped = _MAPPED.get(key)
    if mapped is not None:
        return mapped
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # never closed (see above)
    except OSError:
        return None
    opened = os.fstat(fd)
    if (opened.st_dev, opened.st_ino) != (found.st_dev, found.st_ino):
        return None  # replaced in between: not the file the caller's connection uses
    try:
        mapped = mmap.mmap(fd, 2 * HEADER, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # shorter than the header
        return None
    _MAPPED[key] = mapped
    return mapped


def committed(mapped: mmap.mmap) -> bytes | None:
    """The header as it stands, which any commit changes; None while a commit is writing it
    (its two copies differ) or before it was ever written (SQLite's `isInit` byte is 0)."""
    first = mapped[:HEADER]
    if first != mapped[HEADER : 2 * HEADER] or not first[12]:
        return None
    return first
