"""Chinese resident identity numbers (居民身份证号码, GB 11643-1999).

An 18-character number: 6-digit region code, 8-digit birth date, 3-digit sequence (odd for men,
even for women) and a check character computed with ISO 7064 MOD 11-2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("first17 must be 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


@dataclass(frozen=True, slots=True)
class IdNumberProblem:
    """Why an identity number is not valid, in Chinese."""

    reason: str


def id_number_problem(value: str | None, *, today: date | None = None) -> IdNumberProblem | None:
    """Return the problem with an 18-digit identity number, or None when it is valid.

    Checks length and characters, the birth date (a real calendar date, not in the future, not
    before 1900) and the MOD 11-2 check character. A lower-case ``x`` is accepted as ``X``.
    """
    if value is None or value == "":
        return IdNumberProblem("身份证号为空")
    v = value.strip().upper()
    if len(v) != 18:
        return IdNumberProblem(f"身份证号应为18位，实际{len(v)}位")
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        return IdNumberProblem("身份证号含非法字符")
    birth = birth_date(v)
    if birth is None:
        return IdNumberProblem("身份证号中的出生日期无效")
    if birth.year < 1900 or birth > (today or date.today()):
        return IdNumberProblem("身份证号中的出生日期超出合理范围")
    if check_char(v[:17]) != v[17]:
        return IdNumberProblem("身份证号校验位错误")
    return None


def is_valid_id_number(value: str | None) -> bool:
    """True when ``value`` is a well-formed 18-digit identity number with a correct check digit."""
    return id_number_problem(value) is None


def birth_date(value: str) -> date | None:
    """Return the birth date encoded in positions 7–14, or None when it is not a real date."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def gender_code(value: str) -> str:
    """Return the national gender code for an identity number: '1' male (odd), '2' female (even)."""
    return "1" if int(value[16]) % 2 == 1 else "2"


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Build a valid identity number from a 6-digit region, a birth date and a 3-digit sequence."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
