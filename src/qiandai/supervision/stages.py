"""Review stages of a suspect point and the actions that move it, with who may act.

初审 (first_review) → 复审 (second_review) → 机构说明/申诉 (explanation, with deadline) → 调查
(investigation) → 待立案处理 (decision) → 已立案 (case). Side exits: 已排除 (dismissed) and, for
明确违规 points when configured, 直接扣款 (deducted) at second review.
"""

from __future__ import annotations

from dataclasses import dataclass

from qiandai.identity.roles import Role

FIRST_REVIEW = "first_review"
SECOND_REVIEW = "second_review"
EXPLANATION = "explanation"
INVESTIGATION = "investigation"
DECISION = "decision"
CASE = "case"
DISMISSED = "dismissed"
DEDUCTED = "deducted"
SELF_CORRECTED = "self_corrected"

STAGE_LABELS = {
    FIRST_REVIEW: "初审",
    SECOND_REVIEW: "复审",
    EXPLANATION: "机构说明/申诉",
    INVESTIGATION: "调查核实",
    DECISION: "待立案处理",
    CASE: "已立案",
    DISMISSED: "已排除",
    DEDUCTED: "已直接扣款",
    SELF_CORRECTED: "自查自纠已退回",
}
TERMINAL = frozenset({CASE, DISMISSED, DEDUCTED, SELF_CORRECTED})
OPEN_STAGES = tuple(s for s in STAGE_LABELS if s not in TERMINAL)


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: stays (an appeal adds material without moving)
    roles: frozenset[Role]


def _t(action: str, label: str, sources: set[str], target: str | None, *roles: Role) -> Transition:
    return Transition(action, label, frozenset(sources), target, frozenset(roles))


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("pass", "初审通过", {FIRST_REVIEW}, SECOND_REVIEW, Role.AUDITOR),
        _t("confirm", "复审确认，通知机构说明", {SECOND_REVIEW}, EXPLANATION, Role.REVIEWER),
        _t("deduct", "明确违规直接扣款", {SECOND_REVIEW}, DEDUCTED, Role.REVIEWER),
        _t("appeal", "机构说明/申诉", {EXPLANATION}, None, Role.INSTITUTION),
        _t("accept_appeal", "采纳申诉，排除疑点", {EXPLANATION}, DISMISSED, Role.REVIEWER),
        _t("reject_appeal", "不予采纳，转调查", {EXPLANATION}, INVESTIGATION, Role.REVIEWER),
        _t("conclude", "调查确认违规金额", {INVESTIGATION}, DECISION, Role.AUDITOR, Role.REVIEWER),
        _t(
            "dismiss",
            "排除疑点",
            {FIRST_REVIEW, SECOND_REVIEW, INVESTIGATION},
            DISMISSED,
            Role.AUDITOR,
            Role.REVIEWER,
        ),
    )
}
