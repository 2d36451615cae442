"""Rating periods: ``2025`` (year), ``2025-H1`` (half), ``2025-Q2`` (quarter), ``2025-06`` (month).

A period is a half-open range of Asia/Shanghai calendar days ``[start, end)``; :attr:`Period.start_at`
and :attr:`Period.end_at` are the same bounds as aware datetimes, for comparing UTC timestamps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from qiandai.domain.errors import InvalidInputError
from qiandai.store.base import SHANGHAI

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # exclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), SHANGHAI)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(), SHANGHAI)


def parse(label: str) -> Period:
    """The period named ``label``; anything else raises :class:`InvalidInputError` (422)."""
    m = _PATTERN.match(label.strip())
    if m is None:
        raise InvalidInputError(f"期间格式无效：{label}（如 2025、2025-H1、2025-Q2、2025-06）")
    year, month, quarter, half = m.groups()
    y = int(year)
    if month is not None:
        first, months = int(month), 1
        if not 1 <= first <= 12:
            raise InvalidInputError(f"期间格式无效：{label}（月份应为 01–12）")
    elif quarter is not None:
        first, months = 3 * int(quarter) - 2, 3
    elif half is not None:
        first, months = 6 * int(half) - 5, 6
    else:
        first, months = 1, 12
    last = first + months  # month after the period, 13 = January of next year
    end = date(y + 1, 1, 1) if last > 12 else date(y, last, 1)
    return Period(label.strip(), date(y, first, 1), end)
