"""Parameters read from constraint text: stated values only, never guesses."""

from __future__ import annotations

import pytest

from qiandai.knowledge import textparams as tp


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("支付不超过30天。", 30),
        ("总时间不超过90天，评定间隔时间不短于14天。", 90),
        ("支付不超过一年，每周最多支付一次。", 365),
        ("限二级及以上医疗机构脑梗死恢复期患者，住院方可支付，单次最多支付14天。", 14),
        ("限以下情况方可支付，且支付不超过12个月", None),
        ("不超过14天；另一适应症不超过21天", None),
    ],
)
def test_course_days(text: str, days: int | None) -> None:
    assert tp.course_days(text) == days


def test_institution_tier_needs_one_level() -> None:
    assert tp.params_from_text(tp.DRUG_INSTITUTION_LEVEL, "限二级及以上医疗机构。") == {"min_tier": 2}
    both = "需三级医院眼科或二级及以上眼科专科医院医师处方"
    assert tp.params_from_text(tp.DRUG_INSTITUTION_LEVEL, both) == {}


def test_drug_gender_is_never_read_from_text() -> None:
    assert tp.params_from_text(tp.DRUG_GENDER, "用于女性紧急避孕") == {}


def test_same_text_ignores_width_and_punctuation() -> None:
    assert tp.same_text("需经营养风险筛查，明确具有“营养风险”", '需经营养风险筛查,明确具有"营养风险"')
    assert tp.same_text("预防⼉童肝脏移植", "预防儿童肝脏移植")
    assert not tp.same_text("支付不超过14天", "支付不超过10天")
