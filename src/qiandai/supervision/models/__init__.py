"""Supervision tables (``sv_*``). Money is ``Numeric(18, 2)``; timestamps are UTC-aware."""

from qiandai.supervision.models.cases import Case, Decision, Document, HearingNotice, Payment
from qiandai.supervision.models.common import Config, Event, Evidence, Institution
from qiandai.supervision.models.credit import Blacklist, Circular, CreditRating, MajorReport
from qiandai.supervision.models.programmes import (
    Draw,
    DrawInspector,
    DrawTarget,
    Expert,
    Rectification,
    SelfInspection,
)
from qiandai.supervision.models.reports import Report, Reward
from qiandai.supervision.models.review import Finding, ImportRun

__all__ = [
    "Blacklist",
    "Case",
    "Circular",
    "Config",
    "CreditRating",
    "Decision",
    "Document",
    "Draw",
    "DrawInspector",
    "DrawTarget",
    "Event",
    "Evidence",
    "Expert",
    "Finding",
    "HearingNotice",
    "ImportRun",
    "Institution",
    "MajorReport",
    "Payment",
    "Rectification",
    "Report",
    "Reward",
    "SelfInspection",
]
