"""Entity extraction: phones, QQ, WeChat, URLs, bank cards (Luhn), amounts, apps — spans on the original."""

from __future__ import annotations

import pytest

from qiandai.texts.chinese_numbers import parse_chinese_number
from qiandai.texts.entities import Entity, extract_entities, luhn_valid
from qiandai.texts.normalize import normalize


def _entities(text: str) -> list[Entity]:
    found = extract_entities(text, normalize(text))
    for e in found:
        assert text[e.start : e.end] == e.text
    return found


def _values(text: str, kind: str) -> list[str]:
    return [e.value for e in _entities(text) if e.kind == kind]


@pytest.mark.parametrize(
    "text",
    [
        "联系 13812345678",
        "电话+86 138 1234 5678",
        "電話：+86-138-1234-5678",
        "call 138-1234-5678 now",
        "１３８１２３４５６７８",
    ],
)
def test_mobile_phones(text: str) -> None:
    assert _values(text, "phone") == ["13812345678"]


def test_qq_and_wechat() -> None:
    text = "加QQ：2837465912 或者 微信号 zhuanqian_8866，VX：abc123456"
    assert _values(text, "qq") == ["2837465912"]
    assert _values(text, "wechat") == ["zhuanqian_8866", "abc123456"]


def test_urls_full_width_and_bare() -> None:
    text = "点击ｈｔｔｐ：／／ｉｃｂｃ－ｃｈｅｃｋ．ｔｏｐ／ａ领取，或 bit.ly/3abc，或https://t.cn/Ab1。"
    assert _values(text, "url") == ["http://icbc-check.top/a", "bit.ly/3abc", "https://t.cn/Ab1"]


def test_email_is_not_a_url() -> None:
    assert _values("邮箱 someone@qq.com", "url") == []


def test_bank_cards_with_luhn() -> None:
    valid = "6222 0212 3456 7890 128"
    assert luhn_valid(valid.replace(" ", ""))
    cards = [e for e in _entities(f"请转到卡号 {valid}，或 6222021234567890129") if e.kind == "bank_card"]
    assert [c.detail for c in cards] == ["校验位有效", "校验位无效"]


@pytest.mark.parametrize(
    "text, value",
    [
        ("转5万元", "50000"),
        ("¥3,000", "3000"),
        ("￥1,200.50元", "1200.5"),
        ("叁仟元", "3000"),
        ("两万五千块", "25000"),
        ("2.5万", "25000"),
    ],
)
def test_amounts(text: str, value: str) -> None:
    assert _values(text, "amount") == [value]


def test_chinese_numbers() -> None:
    assert parse_chinese_number("一亿两千万") == 120_000_000
    assert parse_chinese_number("十二") == 12
    assert parse_chinese_number("万") is None


def test_apps() -> None:
    assert _values("请下载腾讯会议，再下载安全卫士app", "app") == ["腾讯会议", "安全卫士"]
