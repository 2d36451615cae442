"""Supervision indicators on a hand-made folder whose every expected value is computed by hand.

Institution H33010500001 (三级医院, 330105):
  2025-01  V1 门诊 P1 Mon 10:00 — drug 100, lab (04) 50, CT 002103… (03) 200            = 350
           V2 住院 P2 Sat 23:30 → Jan 9 (5 days) — consumable 1500 (unit 1500, high value),
              treatment 100, MRI 002102… (03) 500, bed 100                               = 2200
           V4 住院 P3 Fri 08:00 → same day (1 day) — drug 50                            = 50
  2025-02  V3 住院 P2 Feb 9 (31 days after V2's discharge: a readmission) — drug 200
           V5 住院 P3 Feb 11 (32 days after V4's discharge: not one) — treatment 100
           V6 门诊 P1 — drug 100
Clinics B1–B5 (H33010510001…H33010610005, 一级, 3 in 330105, 2 in 330106): one visit each in
2025-01, drug share 0.5 except B5 1.0 (MAD = 0). Pharmacy P33010500009: one purchase.
Doctors D1/D2 bill B1's visit (drug / treatment).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from qiandai.claims.indicators import ZB_COMPUTED, IndicatorParams, IndicatorResult, run_indicators

A = "H33010500001"
CT, MRI = "002103000010000", "002102000010000"


def _visit(mid: str, psn: str, org: str, lv: str | None, begin: str, end: str, med: str) -> dict[str, Any]:
    return {
        "mdtrt_id": mid, "psn_no": psn, "fixmedins_code": org, "fixmedins_name": f"机构{org[-2:]}",
        "hosp_lv": lv, "fix_blng_admdvs": org[1:7], "begntime": begin, "endtime": end, "med_type": med,
    }  # fmt: skip


def _fee(sn: str, mid: str, time: str, code: str, cat: str, amount: float, price: float | None = None,
         list_type: str = "201", doctor: str | None = None) -> dict[str, Any]:  # fmt: skip
    price = amount if price is None else price
    return {
        "bkkp_sn": sn, "mdtrt_id": mid, "fee_ocur_time": time, "med_list_codg": code, "hilist_code": code,
        "med_chrgitm_type": cat, "list_type": list_type, "cnt": f"{amount / price:.4f}",
        "pric": f"{price:.2f}", "det_item_fee_sumamt": f"{amount:.2f}", "bilg_dr_code": doctor,
    }  # fmt: skip


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    v = [
        _visit("V1", "P1", A, "01", "2025-01-06 10:00:00", "2025-01-06 11:00:00", "11"),
        _visit("V2", "P2", A, "01", "2025-01-04 23:30:00", "2025-01-09 10:00:00", "21"),
        _visit("V4", "P3", A, "01", "2025-01-10 08:00:00", "2025-01-10 16:00:00", "21"),
        _visit("V3", "P2", A, "01", "2025-02-09 09:00:00", "2025-02-12 09:00:00", "21"),
        _visit("V5", "P3", A, "01", "2025-02-11 09:00:00", "2025-02-13 09:00:00", "21"),
        _visit("V6", "P1", A, "01", "2025-02-20 09:00:00", "2025-02-20 10:00:00", "11"),
        _visit("VP", "P9", "P33010500009", None, "2025-01-15 09:00:00", "2025-01-15 09:10:00", "41"),
    ]
    f = [
        _fee("F01", "V1", "2025-01-06 10:10:00", "XA01", "09", 100, list_type="101"),
        _fee("F02", "V1", "2025-01-06 10:20:00", "002501000010000", "04", 50),
        _fee("F03", "V1", "2025-01-06 10:30:00", CT, "03", 200),
        _fee("F04", "V2", "2025-01-05 09:00:00", "C0001", "08", 1500, 1500, list_type="301"),
        _fee("F05", "V2", "2025-01-05 10:00:00", "003101000010000", "05", 100),
        _fee("F06", "V2", "2025-01-06 10:00:00", MRI, "03", 500),
        _fee("F07", "V2", "2025-01-07 10:00:00", "001109000010000", "01", 100),
        _fee("F08", "V4", "2025-01-10 09:00:00", "XA02", "09", 50, list_type="101"),
        _fee("F09", "V3", "2025-02-09 10:00:00", "XA01", "09", 200, list_type="101"),
        _fee("F10", "V5", "2025-02-11 10:00:00", "003101000010000", "05", 100),
        _fee("F11", "V6", "2025-02-20 09:10:00", "XA01", "09", 100, list_type="101"),
        _fee("F12", "VP", "2025-01-15 09:05:00", "XA01", "09", 30, list_type="101"),
    ]
    for i in range(1, 6):
        org = f"H3301{'05' if i <= 3 else '06'}1000{i}"
        v.append(_visit(f"B{i}", f"Q{i}", org, "10", "2025-01-08 09:00:00", "2025-01-08 10:00:00", "11"))
        drug, other = (100, 0) if i == 5 else (50, 50)
        f.append(_fee(f"G{i}1", f"B{i}", "2025-01-08 09:10:00", "XA01", "09", drug, list_type="101",
                      doctor="D1" if i == 1 else None))  # fmt: skip
        if other:
            f.append(_fee(f"G{i}2", f"B{i}", "2025-01-08 09:20:00", "003101000010000", "05", other,
                          doctor="D2" if i == 1 else None))  # fmt: skip
    return v, f


def _write(folder: Path, with_doctors: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    visits, fees = _rows()
    if not with_doctors:
        fees = [{k: val for k, val in r.items() if k != "bilg_dr_code"} for r in fees]
    pacsv.write_csv(pa.Table.from_pylist(visits), folder / "MDTRT_D.csv")
    pacsv.write_csv(pa.Table.from_pylist(fees), folder / "FEE_LIST_D.csv")
    return folder


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[IndicatorResult, Path]:
    data = _write(tmp_path_factory.mktemp("ind-data"))
    out = tmp_path_factory.mktemp("ind-out")
    res = run_indicators(data, out, IndicatorParams(period="month"))
    assert res.ingest is not None and res.ingest.tables["fee"].rows_quarantined == 0
    return res, out


def _row(res: IndicatorResult, entity: str, period: str, indicator: str) -> dict[str, Any]:
    s = res.scores
    mask = pc.and_(
        pc.and_(pc.equal(s.column("entity_id"), entity), pc.equal(s.column("period"), period)),
        pc.equal(s.column("indicator"), indicator),
    )
    rows = s.filter(mask).to_pylist()
    assert len(rows) == 1, (entity, period, indicator, rows)
    return rows[0]


def _value(res: IndicatorResult, entity: str, period: str, indicator: str) -> Any:
    return _row(res, entity, period, indicator)["value"]


def test_fee_shares_by_charge_class_and_item_code(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    expected = {"drug_share": 150, "lab_exam_share": 750, "consumable_share": 1500, "treatment_share": 100,
                "ct_share": 200, "mri_share": 500, "high_value_share": 1500}  # fmt: skip
    for indicator, amount in expected.items():
        assert _value(res, A, "2025-01", indicator) == pytest.approx(amount / 2600), indicator


def test_costs_stay_and_admission_timing(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    assert _value(res, A, "2025-01", "op_cost_per_visit") == pytest.approx(350)
    assert _value(res, A, "2025-01", "ip_cost_per_admission") == pytest.approx(1125)
    assert _value(res, A, "2025-01", "cost_per_visit") == pytest.approx(2600 / 3)
    assert _value(res, A, "2025-01", "visits_per_person") == pytest.approx(1.0)
    assert _value(res, A, "2025-01", "admission_rate") == pytest.approx(2 / 3)
    assert _value(res, A, "2025-01", "lines_per_visit") == pytest.approx(8 / 3)
    assert _value(res, A, "2025-01", "avg_stay_days") == pytest.approx(3.0)  # (5 + 1) / 2: same day counts 1
    assert _value(res, A, "2025-01", "weekend_admission_rate") == pytest.approx(0.5)  # V2 on a Saturday
    assert _value(res, A, "2025-01", "night_admission_rate") == pytest.approx(0.5)  # V2 at 23:30
    assert _value(res, A, "2025-01", "fund_share") is None  # no SETL_D in the folder


def test_readmission_within_31_days_boundary(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    # V2 → V3 after 31 days counts; V4 → V5 after 32 days does not.
    assert _value(res, A, "2025-01", "readmit_31d_rate") == pytest.approx(0.5)
    assert _value(res, A, "2025-01", "readmit_15d_rate") == pytest.approx(0.0)
    assert _value(res, A, "2025-02", "readmit_31d_rate") == pytest.approx(0.0)
    assert _row(res, A, "2025-01", "readmit_31d_rate")["indicator_code"] == "ZB10000205008000"


def test_growth_against_previous_month(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    assert _value(res, A, "2025-01", "fee_growth") is None
    assert _value(res, A, "2025-02", "fee_growth") == pytest.approx((400 - 2600) / 2600)
    assert _value(res, A, "2025-02", "visit_growth") == pytest.approx(0.0)


def test_robust_z_with_zero_mad_uses_mean_absolute_deviation(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    b5 = _row(res, "H33010610005", "2025-01", "drug_share")
    assert b5["value"] == pytest.approx(1.0)
    assert b5["peer_median"] == pytest.approx(0.5) and b5["peer_mad"] == pytest.approx(0.0)
    assert b5["robust_z"] == pytest.approx(0.5 / (1.253314 * 0.1))
    assert b5["peer_rank"] == 1
    assert _row(res, "H33010500001", "2025-01", "drug_share")["robust_z"] == 0.0  # alone: z = 0
    assert _row(res, "H33010500001", "2025-01", "drug_share")["peer_n"] == 1
    assert _row(res, "H33010510001", "2025-01", "drug_share")["robust_z"] == 0.0


def test_peer_groups_fall_back_when_too_small(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    hospital = _row(res, A, "2025-01", "drug_share")
    assert hospital["inst_type"] == "医院" and hospital["tier"] == "三级"
    clinic = _row(res, "H33010510002", "2025-01", "drug_share")
    assert clinic["inst_type"] == "门诊机构" and clinic["region"] == "330105"
    assert clinic["peer_group"] == "门诊机构|一级" and clinic["peer_n"] == 5  # 3 in 330105 < 5 peers
    pharmacy = _row(res, "P33010500009", "2025-01", "drug_share")
    assert pharmacy["inst_type"] == "药店" and pharmacy["tier"] == "无等级"
    assert _value(res, "P33010500009", "2025-01", "avg_stay_days") is None


def test_rankings_name_the_driving_indicators(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    ranks = res.rankings.filter(pc.equal(res.rankings.column("entity_id"), "H33010610005")).to_pylist()
    assert ranks and ranks[0]["driver_1"].startswith("药费占比（Z=3.99")
    assert ranks[0]["risk_score"] >= 3.98
    jan = [r for r in res.rankings.to_pylist() if r["level"] == "institution" and r["period"] == "2025-01"]
    assert sorted(r["rank"] for r in jan) == list(range(1, len(jan) + 1))


def test_doctor_level_from_bilg_dr_code(result: tuple[IndicatorResult, Path]) -> None:
    res, _ = result
    assert res.doctor_note is None
    assert _value(res, "D1", "2025-01", "drug_share") == pytest.approx(1.0)
    assert _value(res, "D2", "2025-01", "drug_share") == pytest.approx(0.0)
    assert _value(res, "D2", "2025-01", "cost_per_visit") == pytest.approx(50.0)
    assert _row(res, "D1", "2025-01", "drug_share")["fixmedins_code"] == "H33010510001"


def test_without_doctor_codes_the_output_says_so(tmp_path: Path) -> None:
    data = _write(tmp_path / "data", with_doctors=False)
    res = run_indicators(data, tmp_path / "out", write_xlsx=False)
    assert res.doctor_note and "bilg_dr_code" in res.doctor_note
    assert set(res.scores.column("level").to_pylist()) == {"institution"}


def test_national_codes_and_outputs(result: tuple[IndicatorResult, Path]) -> None:
    res, out = result
    codes = set(res.scores.column("indicator_code").to_pylist())
    assert set(ZB_COMPUTED) <= codes and len(ZB_COMPUTED) == 7
    assert "ZB10000205007000" not in codes  # 院内感染: needs data the national tables lack
    assert len(set(res.scores.column("indicator").to_pylist())) >= 16
    assert (out / "indicators.parquet").exists() and (out / "rankings.parquet").exists()
    book = openpyxl.load_workbook(out / "indicators.xlsx", read_only=True)
    assert {"机构排名", "机构指标", "医生排名", "医生指标", "指标说明", "说明"} <= set(book.sheetnames)
    header = [c.value for c in next(book["机构指标"].iter_rows(max_row=1))]
    for title in ("机构编号", "机构名称", "期间", "指标", "指标值", "同组中位数", "稳健Z值", "排名"):
        assert title in header
    values = [r for r in book["机构指标"].iter_rows(min_row=2, values_only=True)]
    assert len(values) == res.level_rows(res.scores, "institution").num_rows
    book.close()


def test_quarter_period_labels(tmp_path: Path) -> None:
    data = _write(tmp_path / "data")
    res = run_indicators(data, tmp_path / "out", IndicatorParams(period="quarter"), write_xlsx=False)
    assert _value(res, A, "2025Q1", "visits_per_person") == pytest.approx(6 / 3)
    assert not math.isnan(_value(res, A, "2025Q1", "drug_share"))
