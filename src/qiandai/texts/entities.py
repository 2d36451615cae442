"""Entity extraction from a (normalised) text: phones, QQ and WeChat handles, URLs, bank cards, amounts, apps.

Every entity carries its span in the ORIGINAL text, the original substring and a canonical ``value``
(digits only for phones and cards, a number of yuan for amounts, the lower-cased handle for accounts,
the half-width URL with its original letter case).
Bank-card candidates report whether their Luhn check digit is valid: most Chinese debit cards pass it,
some credit cards and old cards do not, so an invalid Luhn lowers confidence but does not drop the card.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qiandai.texts.chinese_numbers import parse_chinese_number

_URL_BODY = r"[^\s,;<>\"'\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
_URL = re.compile(
    rf"(?:(?:https?|hxxps?)://|www\.){_URL_BODY}+"
    r"|(?<![@a-z0-9.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|cn|net|org|top|xyz|vip|cc|info|icu|shop|club|site|online|me|io|co|ly|tk|app|live|link|pro)"
    rf"(?![a-z0-9-])(?::\d{{2,5}})?(?:/{_URL_BODY}*)?"
)
_URL_TRAIL = ".:!?)]'"
_MOBILE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d){8}(?![\d])")
_LANDLINE = re.compile(
    r"(?<![\d])(?:0\d{2,3}-\d{7,8}|400-?\d{3}-?\d{4}|95\d{3,4}|96110|110|12377|12321)(?!\d)"
)
_QQ = re.compile(r"(?:qq|扣扣|企鹅)(?:号码|号|群)?\s*[:：]?\s*([1-9]\d{4,10})(?!\d)")
_WECHAT = re.compile(
    r"(?:微信|威信|薇信|徽信|vx|wx|v信|weixin|wechat)(?:号)?\s*[:：]?\s*([a-z][-_a-z0-9]{5,19}|1[3-9]\d{9})(?![-_a-z0-9])"
)
_CARD = re.compile(r"(?<![\d])(?:\d{4}[ -]?){3,4}\d{1,4}(?![\d])|(?<![\d])\d{16,19}(?![\d])")
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_AMOUNT = re.compile(
    rf"(?:[¥￥]|rmb|人民币)\s*({_NUM})\s*(万|千|亿)?(?:元|块)?"
    rf"|({_NUM})\s*(万|千|亿)?\s*(?:元|块钱|块|rmb)"
    r"|(\d+(?:\.\d+)?)(万)(?![\d])"
    r"|([零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]{2,})(?:元|块)"
)
_KNOWN_APPS = (
    "腾讯会议",
    "zoom",
    "钉钉",
    "向日葵",
    "todesk",
    "teamviewer",
    "飞书",
    "云闪付",
    "国家反诈中心",
    "个人所得税",
    "支付宝",
    "抖音",
    "快手",
    "淘宝",
    "京东",
    "拼多多",
    "闲鱼",
    "telegram",
    "whatsapp",
)
_APPS = re.compile(
    "|".join(re.escape(a) for a in _KNOWN_APPS)
    + r"|《([^》]{1,20})》|(?<=下载)([\u4e00-\u9fffa-z0-9]{2,12}?)(?:app|软件|客户端)"
)
_MULT = {"万": 10_000, "千": 1_000, "亿": 100_000_000}


@dataclass(frozen=True)
class Entity:
    """An extracted entity: ``kind`` (phone/qq/wechat/url/bank_card/amount/app), span, value, detail."""

    kind: str
    start: int
    end: int
    text: str
    value: str
    detail: str = ""


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn check (bank-card check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def extract_entities(original: str, norm: str) -> list[Entity]:
    """All entities in the text, sorted by position (``norm`` is ``normalize(original)``)."""
    out: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, value: str, detail: str = "") -> None:
        out.append(Entity(kind, start, end, original[start:end], value, detail))
        taken.append((start, end))

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _URL.finditer(norm):
        end = m.start() + len(m.group(0).rstrip(_URL_TRAIL))
        add("url", m.start(), end, unicodedata.normalize("NFKC", original[m.start() : end]))
    for m in _QQ.finditer(norm):
        add("qq", m.start(1), m.end(1), m.group(1))
    for m in _WECHAT.finditer(norm):
        if free(m.start(1), m.end(1)):
            add("wechat", m.start(1), m.end(1), m.group(1))
    for m in _CARD.finditer(norm):
        digits = re.sub(r"\D", "", m.group(0))
        if 16 <= len(digits) <= 19 and free(m.start(), m.end()):
            add("bank_card", m.start(), m.end(), digits, "校验位有效" if luhn_valid(digits) else "校验位无效")
    for m in _MOBILE.finditer(norm):
        if free(m.start(), m.end()):
            add("phone", m.start(), m.end(), re.sub(r"\D", "", m.group(0))[-11:], "手机")
    for m in _LANDLINE.finditer(norm):
        if free(m.start(), m.end()):
            add("phone", m.start(), m.end(), m.group(0).replace("-", ""), "固话/服务号")
    for m in _AMOUNT.finditer(norm):
        value = _amount_value(m)
        if value is not None and free(m.start(), m.end()):
            add("amount", m.start(), m.end(), f"{value:g}", "元")
    for m in _APPS.finditer(norm):
        name = m.group(1) or m.group(2) or m.group(0)
        if free(m.start(), m.end()):
            add("app", m.start(), m.end(), name)
    out.sort(key=lambda e: (e.start, e.end))
    return out


def _amount_value(m: re.Match[str]) -> float | None:
    if m.group(7):
        return parse_chinese_number(m.group(7))
    number, unit = next(
        ((m.group(i), m.group(i + 1)) for i in (1, 3, 5) if m.group(i) is not None), (None, None)
    )
    if number is None:
        return None
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        return None
    return value * _MULT.get(unit or "", 1)
