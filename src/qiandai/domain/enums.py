"""Enumerations shared by rules, findings and the faces. Values are the Chinese terms users see."""

from __future__ import annotations

from enum import StrEnum


class ResultType(StrEnum):
    """Result type of a rule hit: a clear violation is deducted; a suspicious one is reviewed."""

    CLEAR = "明确违规"
    SUSPICIOUS = "可疑"


class Scene(StrEnum):
    """Where a rule applies."""

    OUTPATIENT = "门诊"
    INPATIENT = "住院"
    PHARMACY = "购药"
    ALL = "全部"


class Stage(StrEnum):
    """When a rule runs: before, during or after settlement."""

    BEFORE = "事前"
    DURING = "事中"
    AFTER = "事后"


class TimeWindow(StrEnum):
    """Time windows used by rule parameters (the national 两库 vocabulary)."""

    VISIT = "当次就诊"
    DAY = "单日"
    HOURS_6 = "6小时"
    SAME_HOUR = "同一小时"
    MONTH = "自然月"
    QUARTER = "季度"
    YEAR = "自然年"
