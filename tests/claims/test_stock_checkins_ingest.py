"""The optional 进销存 and check-in tables go through the same validation and quarantine as the claims."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ingest_helpers import CERTNO, fee, ingest, visit, write_folder

from qiandai.claims.rulepack.requirements import missing_requirements


def sale(sale_id: str, **kw: Any) -> dict[str, Any]:
    row = dict(sale_id=sale_id, fixmedins_code="H001", med_list_codg="XA", sale_time="2024-01-03 10:00:00")
    return row | dict(cnt="2", trdn_flag="0", pric="6.5", setl_flag="1", mdtrt_id="V1") | kw


def checkin(checkin_id: str, **kw: Any) -> dict[str, Any]:
    row = dict(checkin_id=checkin_id, psn_no="P001", certno=CERTNO, fixmedins_code="H001", ward_code="W1")
    return row | dict(checkin_time="2024-01-03 09:00:00", device_id="D1", face_score="0.91") | kw


def test_bad_rows_are_quarantined_with_chinese_reasons_and_good_rows_kept(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "in",
        visits=[visit("V1")],
        fees=[fee("F1", "V1")],
        DRUG_SALE_D=[
            sale("S1"),
            sale("S2", cnt="-1"),
            sale("S3", trdn_flag="2"),
            sale("S4", mdtrt_id="V404"),
            sale("S1"),
            sale("S6", sale_time="2024-02-30"),
            sale("S7", mdtrt_id=""),
        ],
        DRUG_STOCK_D=[
            dict(
                count_id="C1", fixmedins_code="H001", med_list_codg="XA", count_date="20240101", stock_cnt="5"
            ),
            dict(
                count_id="C2", fixmedins_code="H001", med_list_codg="", count_date="20240101", stock_cnt="x"
            ),
        ],
        DRUG_TRANSFER_D=[
            dict(
                transfer_id="T1",
                fixmedins_code="H001",
                med_list_codg="XA",
                transfer_type="4",
                transfer_date="2024-01-02",
                cnt="1",
            ),
        ],
        CHECKIN_D=[
            checkin("K1"),
            checkin("K2", face_score="1.2"),
            checkin("K3", certno="110101198005171230"),
        ],
    )
    run = ingest(folder, tmp_path)
    problems = {(q["table"], q["row"], q["field"]): q for q in run.quarantine}
    reasons = {key: q["reason"] for key, q in problems.items()}
    assert reasons[("DRUG_SALE_D", 2, "cnt")] == "销售数量不能为负数：-1"
    assert reasons[("DRUG_SALE_D", 3, "trdn_flag")] == "拆零标志代码不在字典中：2"
    assert reasons[("DRUG_SALE_D", 4, "mdtrt_id")] == "药品销售对应的就诊记录不存在：V404"
    assert reasons[("DRUG_SALE_D", 5, "sale_id")] == "主键重复：sale_id=S1（保留第 1 行）"
    assert reasons[("DRUG_SALE_D", 6, "sale_time")] == "日期格式无法识别：2024-02-30"
    assert reasons[("DRUG_STOCK_D", 2, "med_list_codg")] == "医疗目录编码不能为空"
    assert reasons[("DRUG_STOCK_D", 2, "stock_cnt")] == "数值格式无法识别：x"
    assert reasons[("DRUG_TRANSFER_D", 1, "transfer_type")] == "结转类型代码不在字典中：4"
    assert reasons[("CHECKIN_D", 2, "face_score")] == "人脸比对分值超过上限1.0：1.2"
    assert reasons[("CHECKIN_D", 3, "certno")] == "身份证号校验位错误"
    assert problems[("CHECKIN_D", 3, "certno")]["value"] == "110***********1230"
    assert run.column("drug_sale", "sale_id") == ["S1", "S7"]  # a sale without a visit is kept
    assert run.column("drug_stock", "count_id") == ["C1"]
    assert run.column("checkin", "checkin_id") == ["K1"]
    report = run.report.tables
    assert (report["drug_sale"].rows_read, report["drug_sale"].rows_loaded) == (7, 2)
    assert report["drug_purchase"].path is None  # absent optional table: empty, not an error


def test_absent_tables_skip_their_rules(tmp_path: Path) -> None:
    run = ingest(write_folder(tmp_path / "in", visits=[visit("V1")], fees=[fee("F1", "V1")]), tmp_path)
    absent = {k: frozenset(v) for k, v in run.report.absent_columns.items()}
    for template in ("stock_reconciliation", "split_pack_sale", "sale_without_stock", "checkin_absence"):
        assert missing_requirements(template, absent), template
    assert run.con.execute("SELECT count(*) FROM checkin").fetchone() == (0,)
