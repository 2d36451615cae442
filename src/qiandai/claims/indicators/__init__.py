"""Supervision indicators (监测指标) per institution and doctor, scored against peer groups.

Entry points: :func:`run_indicators` (folder in, files out) and :func:`compute_indicators` (on an
ingested connection). The catalogue, formulas and national codes are in :mod:`.catalog` and
``docs/claims-indicators.md``.
"""

from qiandai.claims.indicators.base import PERIODS, IndicatorParams
from qiandai.claims.indicators.catalog import INDICATORS, NOT_COMPUTED, ZB_COMPUTED, Indicator
from qiandai.claims.indicators.run import IndicatorResult, compute_indicators, run_indicators

__all__ = [
    "INDICATORS",
    "NOT_COMPUTED",
    "PERIODS",
    "ZB_COMPUTED",
    "Indicator",
    "IndicatorParams",
    "IndicatorResult",
    "compute_indicators",
    "run_indicators",
]
