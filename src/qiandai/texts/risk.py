"""Risk levels shared by text, link and payment-page checks."""

from __future__ import annotations

from enum import StrEnum


class RiskLevel(StrEnum):
    """Ordered risk level; ``label`` is the Chinese word shown to users."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return {"low": "低", "medium": "中", "high": "高"}[self.value]

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


def max_level(levels: list[RiskLevel]) -> RiskLevel:
    """The highest level of ``levels`` (LOW when empty)."""
    return max(levels, key=lambda lv: lv.rank, default=RiskLevel.LOW)
