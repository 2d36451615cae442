"""Parsing of Chinese numerals in amounts: 叁仟元, 五万, 一千二百, 两万五千 (None when not a number)."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_SMALL = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_LARGE = {"万": 10_000, "亿": 100_000_000}


def parse_chinese_number(text: str) -> float | None:
    """Value of a Chinese numeral string, or None if it holds no digit or an unknown character."""
    total = 0
    section = 0
    digit: int | None = None
    seen_digit = False
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
            seen_digit = True
        elif ch in _SMALL:
            section += (1 if digit is None else digit) * _SMALL[ch]
            digit = None
            seen_digit = True
        elif ch in _LARGE:
            section += digit or 0
            total = (total + section) * _LARGE[ch] if ch == "亿" else total + section * _LARGE[ch]
            section = 0
            digit = None
        else:
            return None
    if not seen_digit:
        return None
    return float(total + section + (digit or 0))
