"""The people's tables (users, sessions, sign-in), on the metadata of packyard.store.tables."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from packyard.store.tables import metadata, timestamp

# People: a user is a principal with a password (argon2id) or an SSO subject, or neither yet
# (a user waiting for their one-time link). Deleted with the principal.
users = Table(
    "users",
    metadata,
    Column("principal_id", ForeignKey("principals.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", Text, nullable=True),
    Column("sso_issuer", String(512), nullable=True),
    Column("sso_subject", String(255), nullable=True),
    UniqueConstraint("sso_issuer", "sso_subject"),
)

# Console sessions by the SHA-256 of their cookie, so every replica knows them and signing
# out ends one everywhere; expired by idleness (last_seen_at) or age (expires_at).
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("principal_id", ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    Column("generation", Integer, nullable=False),
    timestamp("created_at"),
    timestamp("last_seen_at"),
    timestamp("expires_at"),
    Column("source", String(100), nullable=False),
    Column("user_agent", String(200), nullable=False),
    Index("ix_user_sessions_principal_id", "principal_id"),
)

# One-time sign-in links (a user sets their password through one), by the SHA-256 of their
# token; used once, then deleted.
sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("principal_id", ForeignKey("principals.id", ondelete="CASCADE"), nullable=False),
    timestamp("created_at"),
    timestamp("expires_at"),
)

# Single sign-on flows under way, by the SHA-256 of their state: what the callback needs,
# whichever replica it reaches.
sign_in_flows = Table(
    "sign_in_flows",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("code_verifier", String(128), nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("return_to", Text, nullable=False),
    timestamp("created_at"),
    timestamp("expires_at"),
)
