"""Merge the two governance heads (units/installs and statistics), built side by side.

Revision ID: gov_0200_merge
Revises: gov_0002_installs, gov_0101_stats
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "gov_0200_merge"
down_revision: str | Sequence[str] | None = ("gov_0002_installs", "gov_0101_stats")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: both parents only add their own tables."""


def downgrade() -> None:
    """Nothing to change."""
