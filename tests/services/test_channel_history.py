"""A channel's history says why each move was made, and the migration that added the reason
fills it in for the entries written before."""

from __future__ import annotations

from alembic import command

from packyard.ids import utcnow
from packyard.services import channels, revocation
from packyard.services.channels import VersionChoice
from packyard.services.revocation import Revocation
from packyard.store.migrate import alembic_config
from tests.services.conftest import Registry


def _why(registry: Registry, bucket: str, channel: str) -> list[tuple[str, int | None]]:
    with registry.work(write=False) as work:
        found = channels.channel_history(
            work, registry.admin, registry.scope, bucket_name=bucket, name=channel
        )
    return [
        (entry.reason.value, entry.version.sequence if entry.version else None) for entry in found
    ]


def _made(registry: Registry) -> None:
    """prod made on v1, v2 assigned by hand, then v2 revoked (prod and latest roll back to
    v1)."""
    registry.push("app", "fp-1")
    second = registry.push("app", "fp-2")
    with registry.work() as work:
        channels.create_channel(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            name="prod",
            choice=VersionChoice(fingerprint="fp-1"),
            now=utcnow(),
        )
    with registry.work() as work:
        channels.update_channel(
            work,
            registry.admin,
            registry.scope,
            bucket_name="app",
            name="prod",
            choice=VersionChoice(fingerprint="fp-2"),
            now=utcnow(),
        )
    with registry.work() as work:
        revocation.revoke_version(
            work,
            registry.admin,
            registry.scope,
            version_id=second.id,
            revocation=Revocation(message="CVE", rollback_channels=True),
            now=utcnow(),
        )


def test_every_move_records_why(registry: Registry) -> None:
    _made(registry)
    assert _why(registry, "app", "prod") == [("rollback", 1), ("manual", 2), ("created", 1)]
    assert _why(registry, "app", "latest") == [("rollback", 1), ("completed", 2), ("completed", 1)]


def test_the_migration_fills_in_why_for_what_was_written_before(registry: Registry) -> None:
    _made(registry)
    config = alembic_config()
    with registry.store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
        command.upgrade(config, "head")
    assert _why(registry, "app", "prod") == [("unknown", 1), ("unknown", 2), ("created", 1)]
    # Before the reasons were kept, `latest` was only ever moved by completions, so the
    # migration calls all its entries that (here the rollback written since is one of them).
    assert _why(registry, "app", "latest") == [("completed", 1), ("completed", 2), ("completed", 1)]
