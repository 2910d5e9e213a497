"""The channels' records and their history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, func, insert, select, update

from packyard.domain.registry import Assignment, AssignmentReason, Channel
from packyard.ids import new_id_after
from packyard.store.prebuilt import Prebuilt
from packyard.store.records import as_channel
from packyard.store.tables import buckets, channel_history, channels
from packyard.store.version_records import VersionRecords


def _newest_entry(of_channel: ColumnElement[Any]) -> Select[Any]:
    """The id of a channel's newest history entry."""
    return select(func.max(channel_history.c.id)).where(channel_history.c.channel_id == of_channel)


_ADD_ASSIGNMENT = Prebuilt(insert(channel_history))
_NEWEST_ASSIGNMENT = Prebuilt(_newest_entry(bindparam("channel")))
_ADD_CHANNEL = Prebuilt(insert(channels))
# Channels with their bucket's name and their newest history entry's id, found five ways.
_NEWEST_ENTRY = _newest_entry(channels.c.id).scalar_subquery()
_CHANNELS = select(
    *channels.c, buckets.c.name.label("bucket_name"), _NEWEST_ENTRY.label("newest_entry")
).join(buckets, buckets.c.id == channels.c.bucket_id)
_CHANNEL_NAMED = Prebuilt(
    _CHANNELS.where(
        channels.c.bucket_id == bindparam("of_bucket"), channels.c.name == bindparam("named")
    )
)
_CHANNEL_BY_ID = Prebuilt(_CHANNELS.where(channels.c.id == bindparam("channel_id")))
_CHANNELS_OF_BUCKET = Prebuilt(
    _CHANNELS.where(channels.c.bucket_id == bindparam("of_bucket")).order_by(channels.c.id)
)
_CHANNELS_BY_IDS = Prebuilt(
    _CHANNELS.where(channels.c.id.in_(bindparam("channel_ids", expanding=True))).order_by(
        channels.c.id
    )
)
_CHANNELS_ON_VERSION = Prebuilt(
    _CHANNELS.where(channels.c.version_id == bindparam("on_version")).order_by(channels.c.id)
)
_CHANGE_CHANNEL = Prebuilt(update(channels).where(channels.c.id == bindparam("changed_id")))


class ChannelRecords(VersionRecords):
    """Channels, found with their versions (hence a gateway to the versions)."""

    def _channels(
        self, statement: Prebuilt, params: dict[str, Any], *, with_version: bool = True
    ) -> list[Channel]:
        found: list[Channel] = []
        version_ids: dict[str, str] = {}
        for row in statement.run(self.conn, params):
            channel = as_channel(row)
            self._newest_entries[channel.id] = row.newest_entry
            if row.version_id:
                version_ids[channel.id] = row.version_id
            found.append(channel)
        if not with_version:
            return found
        assigned = self.versions_by_ids(version_ids.values())
        for channel in found:
            if channel.id in version_ids:
                channel.version = assigned.get(version_ids[channel.id])
        return found

    def channel(self, bucket_id: str, name: str, *, with_version: bool = True) -> Channel | None:
        """The channel; without its version (left None) when the caller will not show it."""
        found = self._channels(
            _CHANNEL_NAMED, {"of_bucket": bucket_id, "named": name}, with_version=with_version
        )
        return found[0] if found else None

    def channel_by_id(self, channel_id: str) -> Channel | None:
        found = self._channels(_CHANNEL_BY_ID, {"channel_id": channel_id})
        return found[0] if found else None

    def channels_of(self, bucket_id: str) -> list[Channel]:
        return self._channels(_CHANNELS_OF_BUCKET, {"of_bucket": bucket_id})

    def channels_by_ids(self, channel_ids: Iterable[str]) -> dict[str, Channel]:
        ids = list(set(channel_ids))
        if not ids:
            return {}
        found = self._channels(_CHANNELS_BY_IDS, {"channel_ids": ids})
        return {channel.id: channel for channel in found}

    def channels_on(self, version_id: str, *, with_version: bool = True) -> list[Channel]:
        return self._channels(
            _CHANNELS_ON_VERSION, {"on_version": version_id}, with_version=with_version
        )

    def add_channel(self, channel: Channel) -> None:
        _ADD_CHANNEL.run(
            self.conn,
            {
                "id": channel.id,
                "bucket_id": channel.bucket_id,
                "name": channel.name,
                "version_id": channel.version.id if channel.version else None,
                "managed": channel.managed,
                "restricted": channel.restricted,
                "author_id": channel.author_id,
                "created_at": channel.created_at,
                "updated_at": channel.updated_at,
            },
        )

    def change_channel(self, channel_id: str, **values: Any) -> None:
        _CHANGE_CHANNEL.run(self.conn, {"changed_id": channel_id, **values})

    def remove_channel(self, channel_id: str) -> None:
        self.conn.execute(delete(channels).where(channels.c.id == channel_id))

    def add_assignment(self, entry: Assignment) -> None:
        """Append to a channel's history; ids increase in the order the entries are written.

        Writers of one channel hold its bucket's lock, so the newest entry, read with the
        channel in this transaction (or here), is the last one committed; a fresh ULID can
        sort before it (same millisecond, or another host's clock), so the entry then takes
        the id right after it.
        """
        if entry.channel_id in self._newest_entries:
            newest = self._newest_entries[entry.channel_id]
        else:
            newest = _NEWEST_ASSIGNMENT.run(self.conn, {"channel": entry.channel_id}).scalar()
        if newest is not None and entry.id <= newest:
            entry.id = new_id_after(newest)
        _ADD_ASSIGNMENT.run(
            self.conn,
            {
                "id": entry.id,
                "channel_id": entry.channel_id,
                "version_id": entry.version_id,
                "author_id": entry.author_id,
                "created_at": entry.created_at,
                "reason": entry.reason.value,
            },
        )
        self._newest_entries[entry.channel_id] = entry.id

    def history(self, channel_id: str) -> list[Assignment]:
        return self.histories([channel_id]).get(channel_id, [])

    def histories(self, channel_ids: Iterable[str]) -> dict[str, list[Assignment]]:
        """Each channel's history, newest first, by the channel's id, read at once."""
        ids = sorted(set(channel_ids))
        if not ids:
            return {}
        rows = self.conn.execute(
            select(channel_history)
            .where(channel_history.c.channel_id.in_(ids))
            .order_by(channel_history.c.id.desc())
        )
        found: dict[str, list[Assignment]] = {}
        for row in rows:
            found.setdefault(row.channel_id, []).append(
                Assignment(
                    id=row.id,
                    channel_id=row.channel_id,
                    version_id=row.version_id,
                    author_id=row.author_id,
                    created_at=row.created_at,
                    reason=AssignmentReason(row.reason),
                )
            )
        return found
