"""Normalisation keeps length, and red-flag spans index the ORIGINAL text (traditional, full-width, emoji)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qiandai.domain.errors import InvalidInputError
from qiandai.texts.normalize import MAX_TEXT_CHARS, check_text, normalize
from qiandai.texts.screening import TextScreener


@given(st.text(max_size=200))
def test_normalize_preserves_length(text: str) -> None:
    assert len(normalize(text)) == len(text)


def test_normalize_folds_traditional_fullwidth_case() -> None:
    assert normalize("請轉到安全帳戶ＡＢＣ１２３") == "请转到安全账户abc123"


@pytest.mark.parametrize(
    "text, flag, fragment",
    [
        ("😀😀請把錢轉到安全賬戶，配合調查", "safe_account", "安全賬戶"),
        ("您好👋，請開啟螢幕共享，我們幫您操作，先打開屏幕共享", "screen_share", "屏幕共享"),
        ("ＡＢＣ客服：您開通了百萬保障，不關閉將自動扣費", "million_guarantee", "百萬保障"),
        ("🎉🎉恭喜！這是聯單任務，需要連續完成", "brushing_task", "聯單"),
        ("Mixed 文本 with English: 需要刷流水才能提现 ✅", "turnover_brushing", "刷流水"),
    ],
)
def test_red_flag_spans_index_original(screener: TextScreener, text: str, flag: str, fragment: str) -> None:
    result = screener.screen(text)
    hit = next(f for f in result.red_flags if f.id == flag)
    for span in hit.spans:
        assert text[span.start : span.end] == span.text
    assert any(s.text == fragment for s in hit.spans)


def test_publicity_wording_lowers_rule_risk(screener: TextScreener) -> None:
    fraud = screener.screen("客服说要开启屏幕共享，把钱转到安全账户")
    publicity = screener.screen("【国家反诈中心】凡是要求开启屏幕共享、转到安全账户的都是诈骗，请勿上当")
    assert publicity.publicity
    assert publicity.risk_score < fraud.risk_score


def test_empty_and_too_long_texts_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="为空"):
        check_text("   \n")
    with pytest.raises(InvalidInputError, match="过长"):
        check_text("骗" * (MAX_TEXT_CHARS + 1))
