"""Reads and writes of registry records, mapped to domain objects. No business rules here.

Each aggregate's records live in their own module; the Repository is all of them over one
open transaction.
"""

from __future__ import annotations

from packyard.store.ancestry_records import AncestryRecords
from packyard.store.channel_records import ChannelRecords
from packyard.store.registry_records import RegistryRecords
from packyard.store.sbom_records import SbomRecords


class Repository(RegistryRecords, SbomRecords, ChannelRecords, AncestryRecords):
    """Every query the services need, over one open transaction.

    In a PostgreSQL write transaction, every look-up that finds a bucket, or a version or
    build by its id, first locks the bucket's row until the transaction ends: writes to one
    bucket (a version's next sequence number, its completion, a channel and its history)
    then run one at a time, and each reads what the one before it committed. SQLite's
    writers run one at a time already.
    """


__all__ = ["Repository"]
