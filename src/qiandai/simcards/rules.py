"""Explainable screening rules over the per-number features, each with a Chinese reason.

Rules are data (:class:`SimRule`: a code, a name, a vectorised condition over the feature frame and a
reason template); :func:`apply_rules` evaluates all of them column-wise and returns, per number, the
codes fired and their reasons. Thresholds are the defaults documented in ``docs/simcards.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

Frame = pd.DataFrame


def _pct(s: pd.Series) -> pd.Series:
    return (s * 100).round(0).astype("int64").astype(str) + "%"


def _num(s: pd.Series, digits: int = 1) -> pd.Series:
    return s.round(digits).astype(str)


def _int(s: pd.Series) -> pd.Series:
    return s.round(0).astype("int64").astype(str)


@dataclass(frozen=True)
class SimRule:
    code: str
    name: str
    when: Callable[[Frame], pd.Series]
    reason: Callable[[Frame], pd.Series]


RULES: tuple[SimRule, ...] = (
    SimRule(
        "SIM-01",
        "群呼短时通话",
        lambda f: (f.calls_out_per_day >= 40) & (f.short_call_share >= 0.4),
        lambda f: (
            "日均主叫 "
            + _num(f.calls_out_per_day)
            + " 次，其中短时通话（15 秒内）占 "
            + _pct(f.short_call_share)
        ),
    ),
    SimRule(
        "SIM-02",
        "被叫高度离散",
        lambda f: (f.callees_per_day >= 20) & (f.repeat_callee_share <= 0.15),
        lambda f: (
            "日均联系 " + _num(f.callees_per_day) + " 个不同号码，重复联系仅占 " + _pct(f.repeat_callee_share)
        ),
    ),
    SimRule(
        "SIM-03",
        "夜间频繁呼叫",
        lambda f: (f.night_call_share >= 0.25) & (f.n_out >= 30),
        lambda f: (
            "夜间（23:00–06:00）主叫占 " + _pct(f.night_call_share) + "，共 " + _int(f.n_out) + " 次主叫"
        ),
    ),
    SimRule(
        "SIM-04",
        "拨打多地区号码",
        lambda f: (f.callee_regions >= 30) & (f.repeat_callee_share <= 0.3),
        lambda f: "被叫号码分布于 " + _int(f.callee_regions) + " 个地区",
    ),
    SimRule(
        "SIM-05",
        "重点地区漫游",
        lambda f: f.key_region_days >= 3,
        lambda f: "在重点地区（边境/境外）活动 " + _int(f.key_region_days) + " 天",
    ),
    SimRule(
        "SIM-06",
        "人卡分离",
        lambda f: (f.away_share >= 0.8) & (f.active_days >= 3) & (f.card_age_days <= 180),
        lambda f: (
            "入网 "
            + _int(f.card_age_days)
            + " 天，"
            + _pct(f.away_share)
            + " 的话单位于登记归属地（"
            + f.registered_region.astype(str)
            + "）以外"
        ),
    ),
    SimRule(
        "SIM-07",
        "主副卡异地",
        lambda f: (f.pair_apart_share >= 0.6) & (f.pair_shared_days >= 3),
        lambda f: "同一机主的主副卡在不同城市使用的天数占 " + _pct(f.pair_apart_share),
    ),
    SimRule(
        "SIM-08",
        "新入网即高频外呼",
        lambda f: (f.card_age_days <= 15) & (f.calls_out_per_day >= 15),
        lambda f: "入网仅 " + _int(f.card_age_days) + " 天，日均主叫 " + _num(f.calls_out_per_day) + " 次",
    ),
    SimRule(
        "SIM-09",
        "只呼不入",
        lambda f: (f.out_in_ratio >= 8) & (f.n_out >= 100) & (f.repeat_callee_share <= 0.2),
        lambda f: "主叫 " + _int(f.n_out) + " 次，被叫仅 " + _int(f.n_in) + " 次",
    ),
)
RULE_NAMES = {r.code: r.name for r in RULES}


def apply_rules(features: Frame) -> tuple[list[list[str]], list[list[str]]]:
    """Per row of ``features``: the rule codes fired and the Chinese reasons ("名称：说明")."""
    n = len(features)
    fired = np.zeros((n, len(RULES)), dtype=bool)
    texts = np.empty((n, len(RULES)), dtype=object)
    for j, rule in enumerate(RULES):
        mask = rule.when(features).to_numpy(dtype=bool)
        fired[:, j] = mask
        if mask.any():
            texts[mask, j] = (rule.name + "：" + rule.reason(features[mask])).to_numpy()
    codes = np.array([r.code for r in RULES], dtype=object)
    rows, cols = np.nonzero(fired)
    split = np.searchsorted(rows, np.arange(1, n))
    code_lists = [list(x) for x in np.split(codes[cols], split)]
    reason_lists = [list(x) for x in np.split(texts[rows, cols], split)]
    return code_lists, reason_lists
