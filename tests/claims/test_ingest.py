"""Ingestion of national-format folders: typing, row-level validation and the quarantine."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pytest
from ingest_helpers import CERTNO, fee, ingest, visit, write_csv, write_folder

from qiandai.claims.schema import FEE, MDTRT, TABLES
from qiandai.domain.masking import mask_id_number

BAD_CERTNO = CERTNO[:-1] + ("0" if CERTNO[-1] != "0" else "1")


def test_good_folder_loads_every_row_typed(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "in",
        visits=[
            visit("V1"),
            visit("V2", begntime="20240131083000", endtime="2024-02-01T09:00:00", brdy="1980/05/17"),
            visit("V3", begntime="2024/01/31", endtime="20240201", brdy="19800517", certno=" "),
        ],
        fees=[fee("F1", "V1"), fee("F2", "V2", cnt=" 1.5 ", fee_ocur_time="2024-01-31")],
    )
    run = ingest(folder, tmp_path)

    assert run.problems() == []
    assert run.column("mdtrt", "begntime") == [
        datetime(2024, 1, 2, 8, 0),
        datetime(2024, 1, 31, 8, 30),
        datetime(2024, 1, 31, 0, 0),
    ]
    assert run.column("mdtrt", "endtime")[1:] == [datetime(2024, 2, 1, 9, 0), datetime(2024, 2, 1)]
    assert run.column("mdtrt", "brdy") == [date(1980, 5, 17)] * 3
    assert run.column("mdtrt", "certno") == [CERTNO, CERTNO, None]
    assert run.column("mdtrt", "ipt_days") == [3, 3, 3]
    assert run.column("fee", "cnt") == [Decimal("2"), Decimal("1.5")]
    assert run.column("fee", "_file") == ["FEE_LIST_D.csv"] * 2
    assert run.column("fee", "_row") == [1, 2]
    fee_report = run.report.tables["fee"]
    assert (fee_report.rows_read, fee_report.rows_loaded, fee_report.rows_quarantined) == (2, 2, 0)


def test_tables_have_exactly_the_spec_columns_and_types(tmp_path: Path) -> None:
    run = ingest(write_folder(tmp_path / "in", visits=[visit("V1")], fees=[fee("F1", "V1")]), tmp_path)
    engine = {"text": "VARCHAR", "code": "VARCHAR", "id_number": "VARCHAR", "int": "BIGINT"}
    engine |= {"decimal": "DECIMAL(18,4)", "date": "DATE", "datetime": "TIMESTAMP"}
    for spec in TABLES:
        described = run.con.execute(f"DESCRIBE {spec.key}").fetchall()
        expected = [(c.name, engine[c.kind.value]) for c in spec.columns]
        assert [(d[0], d[1]) for d in described] == [*expected, ("_file", "VARCHAR"), ("_row", "BIGINT")]
    assert run.con.execute("SELECT count(*) FROM setl").fetchone() == (0,)
    leftovers = run.con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_ingest%'")
    assert leftovers.fetchall() == []


def test_every_problem_is_quarantined_with_its_reason(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "in",
        visits=[
            visit("V1"),
            visit("V2", psn_no=""),
            visit("V3", begntime="2024-13-45"),
            visit("V4", certno=BAD_CERTNO),
            visit("V5", med_type="99"),
            visit("V6", begntime="2024-01-02 08:00:00", endtime="2024-01-01 08:00:00"),
            visit("V7", ipt_days="-1"),
            visit("V1"),
            visit("V9", gend="7", brdy="abc"),
            visit("V10", ipt_days="1.5"),
            visit("V11"),
        ],
        fees=[
            fee("F1", "V1"),
            fee("F2", "V1", cnt="-2"),
            fee("F3", "V1", pric="abc"),
            fee("F4", "MDT0001"),
            fee("F5", "V2"),
            fee("F1", "V11"),
            fee("F7", "V11", fee_ocur_time="20240131083000"),
            fee("F8", "V1", med_list_codg="  "),
        ],
    )
    run = ingest(folder, tmp_path)

    m, f = "MDTRT_D.csv", "FEE_LIST_D.csv"
    assert run.problems() == [
        (m, 2, "psn_no", "人员编号不能为空"),
        (m, 3, "begntime", "日期格式无法识别：2024-13-45"),
        (m, 4, "certno", "身份证号校验位错误"),
        (m, 5, "med_type", "医疗类别代码不在字典中：99"),
        (m, 6, "endtime", "结束时间早于开始时间：2024-01-01 08:00:00 < 2024-01-02 08:00:00"),
        (m, 7, "ipt_days", "住院天数不能为负数：-1"),
        (m, 8, "mdtrt_id", "主键重复：mdtrt_id=V1（保留第 1 行）"),
        (m, 9, "gend", "性别代码不在字典中：7"),
        (m, 9, "brdy", "日期格式无法识别：abc"),
        (m, 10, "ipt_days", "整数格式无法识别：1.5"),
        (f, 2, "cnt", "数量不能为负数：-2"),
        (f, 3, "pric", "数值格式无法识别：abc"),
        (f, 4, "mdtrt_id", "费用明细对应的就诊记录不存在：MDT0001"),
        (f, 5, "mdtrt_id", "费用明细对应的就诊记录不存在：V2"),
        (f, 6, "bkkp_sn", "主键重复：bkkp_sn=F1（保留第 1 行）"),
        (f, 8, "med_list_codg", "医疗目录编码不能为空"),
    ]
    assert run.column("mdtrt", "mdtrt_id") == ["V1", "V11"]
    assert run.column("fee", "bkkp_sn") == ["F1", "F7"]
    for key, read, loaded in (("mdtrt", 11, 2), ("fee", 8, 2)):
        t = run.report.tables[key]
        assert (t.rows_read, t.rows_loaded, t.rows_quarantined) == (read, loaded, read - loaded)
    assert run.report.problems == 16
    record = run.quarantine[2]
    assert (record["table"], record["field_label"], record["value"]) == (
        "MDTRT_D",
        "证件号码",
        mask_id_number(BAD_CERTNO),
    )


def test_quarantine_files_mask_identity_numbers_and_open_in_excel(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", visits=[visit("V1", certno=BAD_CERTNO)], fees=[fee("F1", "V1")])
    run = ingest(folder, tmp_path)

    raw = run.report.quarantine_csv.read_bytes()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == "文件,表,行号,字段,字段名称,值,原因"
    assert BAD_CERTNO not in text and BAD_CERTNO not in str(run.quarantine)
    assert mask_id_number(BAD_CERTNO) in text
    assert run.problems() == [
        ("MDTRT_D.csv", 1, "certno", "身份证号校验位错误"),
        ("FEE_LIST_D.csv", 1, "mdtrt_id", "费用明细对应的就诊记录不存在：V1"),
    ]


def test_quarantine_files_hold_only_headers_when_nothing_is_wrong(tmp_path: Path) -> None:
    run = ingest(write_folder(tmp_path / "in", visits=[visit("V1")], fees=[fee("F1", "V1")]), tmp_path)
    table = pacsv.read_csv(run.report.quarantine_csv)
    assert table.column_names == ["文件", "表", "行号", "字段", "字段名称", "值", "原因"]
    assert table.num_rows == 0
    assert run.quarantine == []


def test_certno_beside_another_certificate_type_is_not_checked(tmp_path: Path) -> None:
    visits = [
        visit("V1", psn_cert_type="08", certno="E12345678"),
        visit("V2", psn_cert_type="", certno="123"),
    ]
    run = ingest(write_folder(tmp_path / "in", visits=visits, fees=[fee("F1", "V1")]), tmp_path)
    assert run.problems() == [("MDTRT_D.csv", 2, "certno", "身份证号应为18位，实际3位")]


def test_unknown_columns_are_reported_and_absent_optional_columns_are_null(tmp_path: Path) -> None:
    visits = [
        {"mdtrt_id": "V1", "psn_no": "P", "fixmedins_code": "H", "begntime": "2024-01-01", "med_type": "11"}
    ]
    fees = [fee("F1", "V1", SPEC="10mg", my_note="x")]  # SPEC: national but untyped; my_note: unknown
    run = ingest(write_folder(tmp_path / "in", visits=visits, fees=fees), tmp_path)

    mdtrt = run.report.tables["mdtrt"]
    assert "certno" in mdtrt.absent_columns and "mdtrt_id" not in mdtrt.absent_columns
    assert run.column("mdtrt", "certno") == [None]
    assert run.report.tables["fee"].unknown_columns == ("my_note",)
    assert "spec" not in [d[0] for d in run.con.execute("DESCRIBE fee").fetchall()]
    assert run.report.absent_columns["setl"] == tuple(c.name for c in TABLES[1].columns)
    assert any("my_note" in line for line in run.report.summary_lines())


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    from qiandai.domain.errors import InputFileError

    folder = write_folder(tmp_path / "in", visits=[visit("V1")], fees=[fee("F1", "V1")])
    write_csv(folder, "FEE_LIST_D.csv", [{k: v for k, v in fee("F1", "V1").items() if k != "cnt"}])
    with pytest.raises(InputFileError) as err:
        ingest(folder, tmp_path)
    assert err.value.path.endswith("FEE_LIST_D.csv")
    assert err.value.reason == "缺少必需列：cnt（数量）"
    write_csv(folder, "MDTRT_D.csv", [{"psn_no": "P"}])
    with pytest.raises(InputFileError, match="缺少必需列：mdtrt_id（就诊ID）, fixmedins_code"):
        ingest(folder, tmp_path)


@pytest.mark.parametrize("name", ["FEE_LIST_D.parquet", "FEE_LIST_D.xlsx", "FEE_LIST_D.csv"])
def test_unreadable_file_is_an_input_file_error(tmp_path: Path, name: str) -> None:
    from qiandai.domain.errors import InputFileError

    folder = tmp_path / "in"
    write_csv(folder, "MDTRT_D.csv", [visit("V1")])
    (folder / name).write_bytes(b"PK\x03\x04 not really a file \x00\xff" if name.endswith("xlsx") else b"")
    if name.endswith("parquet"):
        (folder / name).write_bytes(b"PAR1 garbage")
    with pytest.raises(InputFileError) as err:
        ingest(folder, tmp_path)
    assert name in str(err.value)


def test_failed_ingestion_keeps_the_previous_tables(tmp_path: Path) -> None:
    from qiandai.domain.errors import InputFileError

    con = duckdb.connect()
    ingest(write_folder(tmp_path / "good", visits=[visit("V1")], fees=[fee("F1", "V1")]), tmp_path, con)
    bad = write_folder(tmp_path / "bad", visits=[visit("V2")], fees=[{"bkkp_sn": "F9"}])
    with pytest.raises(InputFileError):
        ingest(bad, tmp_path, con)
    assert con.execute("SELECT mdtrt_id FROM mdtrt").fetchall() == [("V1",)]
    names = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    assert [n[0] for n in names] == sorted(t.key for t in TABLES)


def test_folder_errors_and_ignored_files(tmp_path: Path) -> None:
    from qiandai.domain.errors import InputFolderError

    folder = tmp_path / "in"
    write_csv(folder, "fee_list_d.csv", [fee("F1", "V1")])
    with pytest.raises(InputFolderError, match="MDTRT_D（就诊信息）"):
        ingest(folder, tmp_path)
    write_csv(folder, "mdtrt_d.CSV", [visit("V1")])
    (folder / "README.txt").write_text("说明", encoding="utf-8")
    (folder / "MDTRT_D.json").write_text("{}", encoding="utf-8")
    run = ingest(folder, tmp_path)
    assert [p.name for p in run.report.ignored_files] == ["MDTRT_D.json", "README.txt"]
    assert run.report.tables["mdtrt"].rows_loaded == 1
    write_csv(folder, "FEE_LIST_D.csv", [fee("F1", "V1")])
    with pytest.raises(InputFolderError, match="多个文件"):
        ingest(folder, tmp_path)


def test_gbk_csv_is_detected(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_csv(
        folder, "MDTRT_D.csv", [visit("V1", psn_name="张三", fixmedins_name="第一人民医院")], encoding="gbk"
    )
    write_csv(folder, "FEE_LIST_D.csv", [fee("F1", "V1", hilist_name="阿莫西林胶囊")], encoding="gb18030")
    write_csv(
        folder, "SETL_D.csv", [{"setl_id": "S1", "mdtrt_id": "V1", "psn_no": "P001"}], encoding="utf-8-sig"
    )
    run = ingest(folder, tmp_path)
    assert run.column("mdtrt", "psn_name") == ["张三"]
    assert run.column("mdtrt", "fixmedins_name") == ["第一人民医院"]
    assert run.column("fee", "hilist_name") == ["阿莫西林胶囊"]
    assert run.column("setl", "setl_id") == ["S1"]


def test_xlsx_first_sheet_is_read_as_text(tmp_path: Path) -> None:
    from openpyxl import Workbook

    folder = tmp_path / "in"
    write_csv(folder, "MDTRT_D.csv", [visit("V1")])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = ["bkkp_sn", "mdtrt_id", "fee_ocur_time", "med_list_codg", "cnt", "pric", "det_item_fee_sumamt"]
    sheet.append([c.upper() for c in columns])
    sheet.append(["F1", "V1", datetime(2024, 1, 3, 9, 30), "XB01", 2, 10.5, 21.0])
    sheet.append([None] * len(columns))  # a blank row keeps its place in the numbering
    sheet.append(["F2", "V1", "2024-01-04", "XB02", -1, 3, 3])
    book.create_sheet("other").append(["ignored"])
    book.save(folder / "FEE_LIST_D.xlsx")

    run = ingest(folder, tmp_path)
    assert run.column("fee", "fee_ocur_time") == [datetime(2024, 1, 3, 9, 30)]
    assert run.column("fee", "pric") == [Decimal("10.5")]
    assert run.problems() == [("FEE_LIST_D.xlsx", 3, "cnt", "数量不能为负数：-1")]
    assert run.report.tables["fee"].rows_read == 2


def test_typed_parquet_is_loaded_without_text_round_trip(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "in"
    folder.mkdir()
    visits = pa.table(
        {
            "mdtrt_id": ["V1", "V2"],
            "psn_no": ["P1", "P2"],
            "fixmedins_code": ["H1", "H1"],
            "begntime": pa.array([datetime(2024, 1, 2, 8), datetime(2024, 1, 3, 8)], pa.timestamp("ms")),
            "endtime": pa.array([date(2024, 1, 5), None], pa.date32()),
            "med_type": ["21", "11"],
            "ipt_days": pa.array([3, -1], pa.int32()),
            "brdy": pa.array([datetime(1980, 5, 17), None], pa.timestamp("us")),
        }
    )
    pq.write_table(visits, folder / "MDTRT_D.parquet")
    fees = pa.table(
        {
            "bkkp_sn": ["F1", "F2", "F3"],
            "mdtrt_id": ["V1", "V1", "V1"],
            "fee_ocur_time": pa.array([datetime(2024, 1, 3, 9)] * 3, pa.timestamp("us")),
            "med_list_codg": ["XB01", " XB02 ", ""],
            "cnt": pa.array([Decimal("2.00"), Decimal("-2.00"), Decimal("1.00")], pa.decimal128(10, 2)),
            "pric": pa.array([10.5, 1.0, 2.0], pa.float64()),
            "det_item_fee_sumamt": pa.array([21, 2, 2], pa.int64()),
        }
    )
    pq.write_table(fees, folder / "FEE_LIST_D.parquet")

    run = ingest(folder, tmp_path)
    assert run.problems() == [
        ("MDTRT_D.parquet", 2, "ipt_days", "住院天数不能为负数：-1"),
        ("FEE_LIST_D.parquet", 2, "cnt", "数量不能为负数：-2.00"),
        ("FEE_LIST_D.parquet", 3, "med_list_codg", "医疗目录编码不能为空"),
    ]
    assert run.column("mdtrt", "endtime") == [datetime(2024, 1, 5)]
    assert run.column("mdtrt", "brdy") == [date(1980, 5, 17)]
    assert run.column("fee", "det_item_fee_sumamt") == [Decimal("21")]
    assert run.column("fee", "pric") == [Decimal("10.5")]


def test_progress_is_reported_per_table_visits_first(tmp_path: Path) -> None:
    import duckdb as ddb

    from qiandai.claims.ingest import ingest_claims

    folder = write_folder(tmp_path / "in", visits=[visit("V1")], fees=[fee("F1", "V1"), fee("F2", "V1")])
    calls: list[tuple[str, int]] = []
    report = ingest_claims(
        folder, ddb.connect(), quarantine_dir=tmp_path / "q", on_progress=lambda s, n: calls.append((s, n))
    )
    assert calls[0] == ("mdtrt", 1)
    others = [(t.key, 0) for t in TABLES if t.key not in ("mdtrt", "fee")]  # setl, diag, oprn, 进销存, 签到
    assert sorted(calls) == sorted([("mdtrt", 1), ("fee", 2), *others])
    lines = report.summary_lines()
    assert any("FEE_LIST_D（费用明细）" in line and "读取 2 行" in line for line in lines)
    assert any(line.startswith("合计") for line in lines)


def test_specs_used_here_are_the_shipped_ones() -> None:
    assert MDTRT.column("psn_no").label == "人员编号"
    assert FEE.column("cnt").label == "数量"
