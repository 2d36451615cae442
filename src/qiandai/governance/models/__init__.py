"""Governance tables (``gov_*``), built only by the ``governance`` migration branch."""

from qiandai.governance.models.installs import (
    SPOT_RESULT_LABELS,
    Install,
    InstallTarget,
    RosterImport,
    RosterProblem,
    SpotCheck,
    SpotResult,
)
from qiandai.governance.models.units import (
    UNIT_KIND_LABELS,
    Unit,
    UnitKind,
    UserUnit,
    parse_unit_kind,
)

__all__ = [
    "SPOT_RESULT_LABELS",
    "UNIT_KIND_LABELS",
    "Install",
    "InstallTarget",
    "RosterImport",
    "RosterProblem",
    "SpotCheck",
    "SpotResult",
    "Unit",
    "UnitKind",
    "UserUnit",
    "parse_unit_kind",
]
