"""Configurable rules as data, with defaults: deadlines, direct deduction, leniency, rewards, credit.

Values are stored in ``sv_config`` as JSON per key and read through :func:`get_config`; a key that was
never set answers its default below. Amounts and rates are strings (exact decimals), never floats.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError
from qiandai.store.base import now_utc
from qiandai.supervision.models import Config

DEFAULTS: dict[str, Any] = {
    # days allowed in each review stage (初审、复审、机构说明/申诉、调查、待决定)
    "stage_deadline_days": {
        "first_review": 10,
        "second_review": 10,
        "explanation": 15,
        "investigation": 30,
        "decision": 15,
    },
    # 明确违规 points may be deducted directly at second review
    "direct_deduction": {"enabled": True, "result_types": ["明确违规"]},
    # 陈述申辩 period after the hearing notice
    "hearing_days": 5,
    # self-reported problems: "exempt" (no fine on them) or "minimum" (article's minimum multiple);
    # problems the bureau finds after a self-inspection: minimum multiple raised by this fraction of the range
    "self_inspection": {"self_reported_fine": "exempt", "strict_min_fraction": "0.5"},
    # whistleblower reward: share of the verified amount, bounded (医保办发〔2022〕22号)
    "reward": {"rate": "0.05", "min": "200", "max": "200000"},
    # whistleblower report stages: days to accept, to investigate
    "report_deadline_days": {"received": 15, "accepted": 60},
    "rectification": {"default_days": 30, "escalate_every_days": 15, "recheck_days": 90},
    "major_case": {"threshold": "500000", "report_hours": 24, "articles": ["40", "41-2"]},
    "draw": {"exclude_same_institution": True, "exclude_same_region": False, "excluded_pairs": []},
    "credit": {
        "base": 100,
        "per_confirmed_finding": -1,
        "finding_cap": -20,
        "per_decision": {"38": -10, "39": -5, "40": -25, "41": 0, "41-2": 0},
        "suspension": -15,
        "termination": -40,
        "overdue_rectification": -5,
        "overdue_explanation": -2,
        "self_inspection": 5,
        "grades": [[90, "A"], [75, "B"], [60, "C"], [0, "D"]],
        "blacklist_grades": ["D"],
    },
}


def get_config(session: Session, key: str) -> Any:
    """The configured value of ``key`` (a deep copy of the default when never set)."""
    if key not in DEFAULTS:
        raise InvalidInputError(f"未知配置项：{key}")
    row = session.get(Config, key)
    return copy.deepcopy(row.value if row is not None else DEFAULTS[key])


def set_config(session: Session, key: str, value: Any, actor: str) -> None:
    """Replace ``key``'s value; the value must have the default's JSON type."""
    if key not in DEFAULTS:
        raise InvalidInputError(f"未知配置项：{key}")
    if type(value) is not type(DEFAULTS[key]):
        raise InvalidInputError(f"配置项 {key} 的类型应与默认值相同")
    row = session.get(Config, key)
    if row is None:
        session.add(Config(key=key, value=value, updated_by=actor, updated_at=now_utc()))
    else:
        row.value = value
        row.updated_by = actor
        row.updated_at = now_utc()
    session.flush()
