"""The one store: SQLAlchemy Core over SQLite (embedded) or PostgreSQL."""
