"""Properties of the resident identity-number checks (GB 11643, ISO 7064 MOD 11-2)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from qiandai.domain.idcard import (
    birth_date,
    check_char,
    id_number_problem,
    is_valid_id_number,
    make_id_number,
)

TODAY = date(2025, 1, 1)
regions = st.text(alphabet="0123456789", min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@given(regions, births, sequences)
def test_every_made_number_is_valid(region: str, birth: date, sequence: int) -> None:
    number = make_id_number(region, birth, sequence)
    assert len(number) == 18
    assert id_number_problem(number, today=TODAY) is None
    assert birth_date(number) == birth


@given(
    regions, births, sequences, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=9)
)
def test_changing_any_single_digit_makes_it_invalid(
    region: str, birth: date, sequence: int, position: int, shift: int
) -> None:
    number = make_id_number(region, birth, sequence)
    old = number[position]
    new = str(shift) if old == "X" else str((int(old) + shift) % 10)
    changed = number[:position] + new + number[position + 1 :]
    assert id_number_problem(changed, today=TODAY) is not None


def _reason(value: str | None) -> str | None:
    problem = id_number_problem(value, today=TODAY)
    return problem.reason if problem else None


def test_reasons() -> None:
    good = make_id_number("110101", date(1990, 5, 17), 123)
    assert _reason(None) == _reason("") == "身份证号为空"
    assert _reason(good[:-1]) == "身份证号应为18位，实际17位"
    assert _reason("A" + good[1:]) == "身份证号含非法字符"
    assert _reason(good[:10] + "0230" + good[14:]) == "身份证号中的出生日期无效"
    assert _reason(good[:6] + "20250102" + good[14:]) == "身份证号中的出生日期超出合理范围"
    assert _reason(good[:-1] + ("0" if good[-1] != "0" else "1")) == "身份证号校验位错误"
    assert is_valid_id_number(good) and is_valid_id_number(f"  {good.lower()}  ")
    assert check_char("11010519491231002") == "X"  # the example of GB 11643-1999
