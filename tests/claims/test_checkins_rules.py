"""Hit / miss / boundary cases of the bedside check-in rules (挂床 by check-ins, 冒名就医)."""

from __future__ import annotations

from typing import Any

import pytest
from harness import fee, run_rule, visit

STAY = visit("V1", "2025-03-01 10:00", "2025-03-08 09:00")  # interior days: 03-02 … 03-07
FEES = [fee("V1", "BED", f"2025-03-0{d} 08:00", med_chrgitm_type="01") for d in range(1, 9)]


def checkin(
    day: int, *, score: float = 0.9, inst: str = "H1", time: str = "09:00", **kw: Any
) -> dict[str, Any]:
    row = dict(checkin_id=f"C-{inst}-{day}-{time}", psn_no="P1", fixmedins_code=inst, ward_code="W1")
    return row | dict(checkin_time=f"2025-03-0{day} {time}", face_score=score) | kw


def daily(*missing: int) -> list[dict[str, Any]]:
    return [checkin(d) for d in range(1, 9) if d not in missing]


def run(rule_id: str, checkins: list[dict[str, Any]], **kw: Any) -> list[dict[str, Any]]:
    return run_rule(rule_id, visits=[STAY], fees=FEES, tables={"checkin": checkins}, **kw)


@pytest.mark.parametrize(
    ("missing", "hits"),
    [((), False), ((4,), False), ((4, 6), True), ((1, 8, 4), False), ((2, 3, 4, 5, 6, 7), True)],
)
def test_absence_boundary(missing: tuple[int, ...], hits: bool) -> None:
    found = run("checkin_phantom_bed", daily(*missing))
    assert [f["mdtrt_id"] for f in found] == (["V1"] if hits else [])
    if hits:
        interior = [d for d in missing if 1 < d < 8]
        assert len(found[0]["fee_ids"]) == len(interior)
        assert str(found[0]["amount"]) == f"{10 * len(interior)}.00"


def test_absence_needs_billing_and_an_active_checkin_system() -> None:
    unbilled = [f for f in FEES if f["fee_ocur_time"][:10] not in ("2025-03-04", "2025-03-06")]
    assert (
        run_rule("checkin_phantom_bed", visits=[STAY], fees=unbilled, tables={"checkin": daily(4, 6)}) == []
    )
    # no check-in at the institution during the stay: the system proves nothing
    assert run("checkin_phantom_bed", [checkin(1, inst="H2") | {"checkin_time": "2025-04-01 09:00"}]) == []
    # someone else's check-ins keep the institution active
    others = [checkin(5, psn_no="P2"), checkin(6, psn_no="P2")]
    assert [f["mdtrt_id"] for f in run("checkin_phantom_bed", others)] == ["V1"]


@pytest.mark.parametrize(("score", "hits"), [(0.6, False), (0.59, True), (0.2, True), (None, False)])
def test_impostor_face_score_boundary(score: float | None, hits: bool) -> None:
    found = run("checkin_impostor", [*daily(3), checkin(3, score=score)])  # type: ignore[arg-type]
    assert [f["mdtrt_id"] for f in found] == (["V1"] if hits else [])
    if hits:
        assert "低于0.60" in found[0]["evidence"] and str(found[0]["event_date"]) == "2025-03-03"


@pytest.mark.parametrize(
    ("time", "inst", "hits"),
    [("10:00", "H2", True), ("10:00:01", "H2", False), ("08:00", "H2", True), ("09:30", "H1", False)],
)
def test_impostor_two_places_boundary(time: str, inst: str, hits: bool) -> None:
    found = run("checkin_impostor", [*daily(), checkin(5, inst=inst, time=time)])
    assert [f["mdtrt_id"] for f in found] == (["V1"] if hits else [])
    if hits:
        assert "同时出现在两地" in found[0]["evidence"]


def test_impostor_ignores_checkins_outside_any_stay() -> None:
    assert run("checkin_impostor", [checkin(9, score=0.1)]) == []
