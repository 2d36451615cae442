"""Persistence: SQLAlchemy base, engine and sessions, Alembic migrations (one branch per module)."""
