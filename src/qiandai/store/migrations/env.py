"""Alembic environment: runs every module's migration branch against the configured URL."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import context

import qiandai
from qiandai.store.base import Base
from qiandai.store.database import make_engine


def _import_models() -> None:
    """Import ``qiandai.<module>.models`` for every module with migrations (for autogenerate)."""
    root = Path(qiandai.__file__).resolve().parent
    for versions in root.glob("*/migrations/versions"):
        module = versions.parts[-3]
        if (root / module / "models.py").exists() or (root / module / "models").is_dir():
            importlib.import_module(f"qiandai.{module}.models")


_import_models()
target_metadata = Base.metadata
config = context.config


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
