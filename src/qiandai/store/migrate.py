"""Alembic migrations, one branch per module.

Each module that persists data keeps its revisions in ``qiandai/<module>/migrations/versions`` with a
branch label equal to the module name. :func:`upgrade` applies every branch (``heads``); deploys and
tests build the schema only this way, never with ``create_all``.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import qiandai
from qiandai.store.database import database_url

STORE_DIR = Path(__file__).resolve().parent


def version_locations() -> list[Path]:
    """Every ``<module>/migrations/versions`` folder of the package, store's first."""
    root = Path(qiandai.__file__).resolve().parent
    found = sorted(p for p in root.glob("*/migrations/versions") if p.is_dir())
    return sorted(found, key=lambda p: p.parts[-3] != "store")


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(STORE_DIR / "migrations"))
    config.set_main_option("version_locations", " ".join(str(p) for p in version_locations()))
    config.set_main_option("path_separator", "space")
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Bring the database at ``url`` to ``revision`` (default: every branch's head)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
