"""Every planter of the generator, by rule id, and the rule codes of their ground truth."""

from __future__ import annotations

from qiandai.datagen import injections, injections_breadth, injections_records, injections_safety
from qiandai.datagen.injections import Context, Planter
from qiandai.datagen.scenarios import ScenarioBuilder
from qiandai.datagen.visits import ORIGIN_HARD_NEGATIVE, ORIGIN_INJECTED

RULES: dict[str, str] = {
    **injections.RULES,
    **injections_records.RULES,
    **injections_breadth.RULES,
    **injections_safety.RULES,
}
PLANTERS: dict[str, Planter] = {
    **injections.PLANTERS,
    **injections_records.PLANTERS,
    **injections_breadth.PLANTERS,
    **injections_safety.PLANTERS,
}

__all__ = ["PLANTERS", "RULES", "Context", "plant_all"]


def plant_all(b: ScenarioBuilder, c: Context, cases: int, hard: int) -> None:
    """Plant ``cases`` cases and ``hard`` hard negatives of every rule, rule by rule."""
    for planter in PLANTERS.values():
        b.origin = ORIGIN_INJECTED
        planter(b, c, cases, False)
        b.origin = ORIGIN_HARD_NEGATIVE
        planter(b, c, hard, True)
