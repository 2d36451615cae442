"""Reporting periods of the governance statistics: ISO weeks, months, half-years and years.

A period is a half-open date range ``[start, end)`` with a Chinese label. 环比 compares with the
immediately preceding period of the same kind (week 47 → week 46, November → October, H2 → H1);
同比 with the same period one year earlier (ISO week 47 of the previous ISO year, November of the
previous year). Percent changes are exact decimals; a change against an empty base is ``None``
("—" in reports), never an infinite or made-up figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from qiandai.domain.errors import InvalidInputError

WEEK, MONTH, HALF, YEAR = "week", "month", "half", "year"
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_HALF = re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """``[start, end)`` of one kind; ``code`` is the canonical text (``2026-W47``, ``2026-11``)."""

    kind: str
    start: date
    end: date
    code: str

    @property
    def label(self) -> str:
        if self.kind == WEEK:
            last = self.end - timedelta(days=1)
            year, week = self.code.split("-W")
            return f"{year}年第{int(week)}周（{self.start:%m月%d日}—{last:%m月%d日}）"
        if self.kind == MONTH:
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == HALF:
            return f"{self.start.year}年{'上' if self.start.month == 1 else '下'}半年"
        return f"{self.start.year}年"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def week(year: int, number: int) -> Period:
    try:
        start = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InvalidInputError(f"周次无效：{year} 年没有第 {number} 周") from None
    return Period(WEEK, start, start + timedelta(days=7), f"{year}-W{number:02d}")


def month(year: int, number: int) -> Period:
    if not 1 <= number <= 12:
        raise InvalidInputError(f"月份无效：{number}")
    end = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return Period(MONTH, date(year, number, 1), end, f"{year}-{number:02d}")


def half(year: int, number: int) -> Period:
    if number == 1:
        return Period(HALF, date(year, 1, 1), date(year, 7, 1), f"{year}-H1")
    return Period(HALF, date(year, 7, 1), date(year + 1, 1, 1), f"{year}-H2")


def year(number: int) -> Period:
    return Period(YEAR, date(number, 1, 1), date(number + 1, 1, 1), str(number))


def parse(text: str) -> Period:
    """``2026-W47`` | ``2026-11`` | ``2026-H2`` | ``2026``; anything else is a clear Chinese error."""
    value = text.strip()
    if m := _WEEK.match(value):
        return week(int(m[1]), int(m[2]))
    if m := _MONTH.match(value):
        return month(int(m[1]), int(m[2]))
    if m := _HALF.match(value):
        return half(int(m[1]), int(m[2]))
    if m := _YEAR.match(value):
        return year(int(m[1]))
    raise InvalidInputError(
        f"统计周期 {text!r} 无法识别：应为 2026-W47（周）、2026-11（月）、2026-H2（半年）或 2026（年）"
    )


def of_kind(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == WEEK:
        iso = day.isocalendar()
        return week(iso.year, iso.week)
    if kind == MONTH:
        return month(day.year, day.month)
    if kind == HALF:
        return half(day.year, 1 if day.month <= 6 else 2)
    if kind == YEAR:
        return year(day.year)
    raise InvalidInputError(f"周期类型无效：{kind}")


def previous(period: Period) -> Period:
    """环比 base: the period of the same kind just before ``period``."""
    return of_kind(period.kind, period.start - timedelta(days=1))


def year_ago(period: Period) -> Period:
    """同比 base: the same period one year earlier (ISO week number kept for weeks)."""
    if period.kind == WEEK:
        y, w = period.code.split("-W")
        prev_year = int(y) - 1
        last_week = date(prev_year, 12, 28).isocalendar().week
        return week(prev_year, min(int(w), last_week))
    if period.kind == MONTH:
        return month(period.start.year - 1, period.start.month)
    if period.kind == HALF:
        return half(period.start.year - 1, 1 if period.start.month == 1 else 2)
    return year(period.start.year - 1)


def change_pct(current: Decimal | int, base: Decimal | int) -> Decimal | None:
    """Percent change ``(current - base) / base × 100`` to one decimal; ``None`` when the base is 0."""
    b = Decimal(base)
    if b == 0:
        return None
    return ((Decimal(current) - b) * 100 / b).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def pct_text(value: Decimal | None) -> str:
    """``+12.5%`` / ``-10.0%`` / ``—`` (no base) for tables and circulars."""
    if value is None:
        return "—"
    return f"{value:+.1f}%"


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part / whole × 100`` to one decimal; ``None`` when ``whole`` is 0."""
    w = Decimal(whole)
    if w == 0:
        return None
    return (Decimal(part) * 100 / w).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
