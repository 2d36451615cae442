"""Typed parameters read from a knowledge point's own constraint text.

The JSON batches carry the published limit only as text. Where that text states a parameter without
ambiguity it is read here; otherwise nothing is returned and the parameter must come from the official
xlsx or be inherited from the superseded point. Nothing is guessed: two different values, or a value
the text only implies, give no parameter.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Rule classes (规则类别) that carry typed parameters.
DRUG_GENDER = "药品区分性别使用"
ITEM_GENDER = "医疗服务项目区分性别使用"
DRUG_CHILD_ONLY = "药品儿童专用"
DRUG_CHILD_LIMIT = "药品限儿童使用"
ITEM_CHILD_ONLY = "医疗服务项目儿童专用"
ITEM_AGE = "医疗服务项目限年龄"
DRUG_WORK_INJURY = "药品限工伤保险"
DRUG_MATERNITY = "药品限生育保险"
DRUG_VISIT_TYPE = "药品限就医方式"
DRUG_INSTITUTION_LEVEL = "药品限医疗机构级别"
DRUG_COURSE = "药品限支付疗程"
ITEM_COURSE = "医疗服务项目限支付疗程"
ITEM_FREQUENCY = "医疗服务项目限定频次"
ITEM_CYCLE = "医疗服务项目周期超频次"
DUPLICATE_CHARGE = "医疗服务项目重复收费"
SURGERY_DISCOUNT = "手术项目未按规定折价收费"

WINDOWS = ("单日", "单次就诊", "6小时", "同一小时")
CHILD_TARGETS = ("儿童", "婴幼儿", "新生儿")
EMPLOYMENT_AGE = "法定就业年龄段"

_PUNCT = re.compile(r"[\s，,。.;；:：、“”\"'‘’()（）]")


def normalize(text: str | None) -> str:
    """NFKC-normalise (⼉ → 儿, full-width → half-width) and strip whitespace."""
    return unicodedata.normalize("NFKC", text or "").strip()


def same_text(a: str | None, b: str | None) -> bool:
    """True when two constraint texts differ only in punctuation, width or whitespace."""
    return _PUNCT.sub("", normalize(a)) == _PUNCT.sub("", normalize(b))


def gender_code(value: str | None) -> str | None:
    """'男' → '1', '女' → '2' (the national ``gend`` codes); anything else → None."""
    text = normalize(value)
    return {"男": "1", "男性": "1", "女": "2", "女性": "2"}.get(text)


def child_target(value: str | None) -> str | None:
    """Return '儿童' / '婴幼儿' / '新生儿' when ``value`` is exactly one of them."""
    text = normalize(value)
    return text if text in CHILD_TARGETS else None


def tier_from_value(value: str | None) -> int | None:
    """'二级' → 2, '三级' → 3 (a 限定值域 cell of batch 5)."""
    text = normalize(value).removesuffix("及以上")
    return {"二级": 2, "三级": 3}.get(text)


def days_from_value(value: Any) -> int | None:
    """A 限定值域 cell like '14天' or '365天' → 14 / 365; a bare integer is taken as days."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = re.fullmatch(r"(\d+)\s*天", normalize(str(value or "")))
    return int(match.group(1)) if match else None


def course_days(text: str | None) -> int | None:
    """Maximum payable days in a course text ('支付不超过14天', '总时间不超过90天', '不超过一年' = 365).

    Months are not converted (a month has no fixed number of days); two different values → None.
    """
    t = normalize(text)
    found = {int(d) for d in re.findall(r"(?:不超过|最多支付|最多)(\d+)天", t)}
    if re.search(r"不超过(?:一|1)年", t):
        found.add(365)
    return found.pop() if len(found) == 1 else None


def _institution_tier(text: str) -> int | None:
    has2, has3 = "二级" in text, "三级" in text
    if has2 and not has3:
        return 2
    if has3 and not has2:
        return 3
    return None


def _visit_scene(text: str) -> str | None:
    inpatient, outpatient = "住院" in text, "门诊" in text
    if inpatient and not outpatient:
        return "住院"
    if outpatient and not inpatient:
        return "门诊"
    return None


def _item_child_target(text: str) -> str | None:
    found = [t for t in CHILD_TARGETS if f"{t}专用" in text]
    return found[0] if len(found) == 1 else None


def _item_gender(text: str) -> str | None:
    if text.startswith("男性"):
        return "1"
    if text.startswith("女性"):
        return "2"
    return None


def _limit_child_target(text: str) -> str | None:
    if "儿童" in text and "新生儿" not in text and "婴幼儿" not in text:
        return "儿童"
    return None


def params_from_text(rule_class: str, text: str | None) -> dict[str, Any]:
    """Parameters that ``text`` (a JSON point's ``constraint``) states for ``rule_class``.

    Drug gender and drug child-only targets are never read from text: their descriptions are package
    inserts, not restrictions, so those come only from the official xlsx (or inheritance).
    """
    t = normalize(text)
    value: Any
    if rule_class in (DRUG_COURSE, ITEM_COURSE):
        value = course_days(t)
        return {"max_days": value} if value is not None else {}
    if rule_class == DRUG_INSTITUTION_LEVEL:
        value = _institution_tier(t)
        return {"min_tier": value} if value is not None else {}
    if rule_class == DRUG_VISIT_TYPE:
        value = _visit_scene(t)
        return {"required_scene": value} if value is not None else {}
    if rule_class == ITEM_CHILD_ONLY:
        value = _item_child_target(t)
        return {"target": value} if value is not None else {}
    if rule_class == DRUG_CHILD_LIMIT:
        value = _limit_child_target(t)
        return {"target": value} if value is not None else {}
    if rule_class == ITEM_GENDER:
        value = _item_gender(t)
        return {"gender": value} if value is not None else {}
    if rule_class == ITEM_AGE:
        return {"age_rule": EMPLOYMENT_AGE} if "法定就业年龄" in t else {}
    if rule_class == DRUG_WORK_INJURY:
        return {"insurance": "工伤"}
    if rule_class == DRUG_MATERNITY:
        return {"insurance": "生育"}
    return {}
