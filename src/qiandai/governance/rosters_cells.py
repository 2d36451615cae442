"""Reading one roster cell unambiguously: ID numbers, phone numbers, dates, names.

Each reader returns ``(value, None)`` or ``(None, Chinese reason)``. They never guess: an ID number that
Excel turned into a floating-point number has lost its last digits and is reported as unreadable.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from qiandai.domain.idcard import id_number_problem
from qiandai.governance.units_sheet import clean_text

_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―()（）.·]")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_PHONE = re.compile(r"^1[3-9]\d{9}$")
EXCEL_EPOCH = date(1899, 12, 30)
# Excel keeps 15 significant digits of a number; an 18-digit ID typed as a number loses the rest.
EXCEL_DIGITS = 15


def read_id_number(value: Any, *, today: date) -> tuple[str | None, str | None]:
    """An 18-character ID number (MOD 11-2 checked) from a text or numeric cell."""
    if value is None or clean_text(value) == "":
        return None, "身份证号为空"
    if isinstance(value, bool):
        return None, "身份证号无法识别"
    if isinstance(value, float):
        if value >= 1e15:
            return None, "身份证号以科学计数法/小数存储，末几位已丢失，无法识别（请将该列设为文本后重新填写）"
        return None, "身份证号无法识别（以数值存储且位数不足）"
    if isinstance(value, int):
        text = str(value)
        if len(text) == 18 and text.endswith("000"):
            return None, (
                "身份证号以数值存储，超过15位的末几位可能已被表格软件改为0，无法确认（请将该列设为文本后重新填写）"
            )
    else:
        raw = clean_text(value).replace(" ", "").upper()
        if _SCIENTIFIC.match(raw):
            return None, "身份证号为科学计数法（如 3.30102E+17），末几位已丢失，无法识别"
        text = _SEPARATORS.sub("", raw).lstrip("'")
    if len(text) == 15 and text.isdigit():
        return None, "15位旧身份证号，请换用18位身份证号"
    problem = id_number_problem(text, today=today)
    if problem is not None:
        return None, problem.reason
    return text, None


def read_phone(value: Any) -> tuple[str | None, str | None]:
    """An 11-digit mainland mobile number; spaces, dashes and a +86 / 0086 / 86 prefix are removed."""
    if value is None or clean_text(value) == "":
        return None, "手机号为空"
    if isinstance(value, float):
        if not value.is_integer():
            return None, f"手机号无效：{value}"
        text = str(int(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = _SEPARATORS.sub("", clean_text(value))
        if text.startswith("+86"):
            text = text[3:]
        elif text.startswith("0086"):
            text = text[4:]
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if not _PHONE.match(text):
        return None, "手机号无效（应为以1开头的11位手机号）"
    return text, None


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def read_date(value: Any, *, today: date) -> tuple[date | None, str | None]:
    """A date from a date cell, an Excel serial number or a text (``2026-11-16``, ``2026年11月16日``)."""
    if value is None or clean_text(value) == "":
        return None, "安装日期为空"
    found: date | None = None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if 20000 <= number <= 80000 and number.is_integer():
            found = EXCEL_EPOCH + timedelta(days=int(number))
        elif 19000101 <= number <= 21001231 and number.is_integer():
            text = str(int(number))
            try:
                found = datetime.strptime(text, "%Y%m%d").date()
            except ValueError:
                found = None
    else:
        text = clean_text(value).replace(" ", "")
        text = text.split("T")[0] if "T" in text else text
        for fmt in _DATE_FORMATS:
            try:
                found = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
    if found is None:
        return None, f"安装日期无法识别：{clean_text(value)}"
    if found > today:
        return None, f"安装日期 {found.isoformat()} 晚于今天（{today.isoformat()}）"
    if found.year < 2021:
        return None, f"安装日期 {found.isoformat()} 早于国家反诈中心App上线（2021年）"
    return found, None


def read_name(value: Any) -> tuple[str | None, str | None]:
    """A person's name with whitespace removed (``张 三`` → ``张三``)."""
    text = re.sub(r"\s+", "", clean_text(value))
    if not text:
        return None, "姓名为空"
    if len(text) > 30:
        return None, "姓名超过30个字符"
    if any(ch.isdigit() for ch in text):
        return None, "姓名含数字"
    return text, None
