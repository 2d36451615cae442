"""suspects.parquet / suspects.xlsx, the per-rule summary and the console tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from qiandai.claims import report_xlsx
from qiandai.claims.findings import CHINESE_HEADERS, FINDINGS_SCHEMA
from qiandai.claims.report import (
    RuleSummary,
    format_money,
    render_summary,
    summarise,
    top_institutions,
    write_findings,
)
from qiandai.claims.report_xlsx import sheet_base_name, unique_sheet_name
from qiandai.claims.xlsx_stream import CellKind, StreamColumn, row_chunks

DUP = ("duplicate_charge", "GZ10000102012000", "医疗服务项目重复收费", "明确违规")
SPLIT = ("split_admission", "GZ10000204001000", "分解住院", "可疑")
DETAIL_HEADERS = [header for column, header in CHINESE_HEADERS.items() if column != "psn_no"]


def finding(n: int, rule: tuple[str, str, str, str] = DUP, **overrides: Any) -> dict[str, Any]:
    rule_id, code, name, result_type = rule
    row: dict[str, Any] = {
        "finding_id": f"F{n:04d}",
        "run_id": "RUN-1",
        "rule_set": "claims-default",
        "rule_set_version": 3,
        "rule_id": rule_id,
        "rule_code": code,
        "rule_name": name,
        "result_type": result_type,
        "kp_id": "KP7-001",
        "fixmedins_code": "H001",
        "fixmedins_name": "第一人民医院",
        "mdtrt_id": f"MD{n:04d}",
        "psn_no": f"PSN-SECRET-{n:04d}",
        "psn_name_masked": "张**",
        "certno_masked": "110***********1234",
        "med_type": "21",
        "event_date": dt.date(2024, 3, 1),
        "fee_ids": ["B1", "B2"],
        "fee_count": 2,
        "amount": Decimal("10.50"),
        "evidence": "同日收取「A」与「B」，前者已含后者（第七批知识点）",
    }
    row.update(overrides)
    return row


def table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA)


def values(path: Path | None, sheet: str) -> list[tuple[Any, ...]]:
    assert path is not None
    book = openpyxl.load_workbook(path)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


@pytest.fixture
def sample() -> pa.Table:
    return table(
        [
            finding(1, amount=Decimal("100.00")),
            finding(2, amount=Decimal("20.25"), fixmedins_code="H002", fixmedins_name="第二医院", fee_ids=[]),
            finding(3, SPLIT, amount=Decimal("300.10"), fee_ids=None, fee_count=0),
            finding(4, SPLIT, amount=Decimal("5.00"), fixmedins_code="H002", fixmedins_name="第二医院"),
            finding(5, SPLIT, amount=Decimal("1.00"), evidence="  <a & b>  ", event_date=None),
        ]
    )


def test_parquet_has_the_exact_schema(tmp_path: Path, sample: pa.Table) -> None:
    shuffled = sample.select(list(reversed(sample.column_names)))
    paths = write_findings(shuffled, tmp_path / "out")
    written = pq.read_table(paths.parquet)
    assert written.schema.remove_metadata().equals(FINDINGS_SCHEMA)
    assert written.to_pylist() == sample.to_pylist()
    assert pq.ParquetFile(paths.parquet).metadata.row_group(0).column(0).compression == "ZSTD"


def test_parquet_only(tmp_path: Path, sample: pa.Table) -> None:
    (tmp_path / "suspects.xlsx").write_bytes(b"stale output of an earlier run")
    paths = write_findings(sample, tmp_path, write_xlsx=False)
    assert paths.xlsx is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suspects.parquet"]


def test_conform_rejects_missing_columns_and_nulls(tmp_path: Path, sample: pa.Table) -> None:
    with pytest.raises(ValueError, match="evidence"):
        write_findings(sample.drop_columns(["evidence"]), tmp_path)
    bad = sample.set_column(0, "finding_id", pa.array([None, "a", "b", "c", "d"], pa.string()))
    with pytest.raises(ValueError, match="finding_id"):
        write_findings(bad, tmp_path)


def test_workbook_sheets_headers_and_no_raw_psn_no(tmp_path: Path, sample: pa.Table) -> None:
    paths = write_findings(sample, tmp_path, run_info={"审核批次": "RUN-1", "规则集版本": "3"})
    book = openpyxl.load_workbook(paths.xlsx)
    assert book.sheetnames == [
        "汇总",
        "按规则",
        "GZ10000102012000 医疗服务项目重复收费",
        "GZ10000204001000 分解住院",
        "说明",
    ]
    detail = book["GZ10000204001000 分解住院"]
    assert [c.value for c in detail[1]] == DETAIL_HEADERS
    assert "人员编号" not in DETAIL_HEADERS
    assert detail.freeze_panes == "A2"
    assert detail[1][0].font.b
    every_cell = {str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row}
    assert not any("PSN-SECRET" in cell for cell in every_cell)


def test_detail_rows_are_typed(tmp_path: Path, sample: pa.Table) -> None:
    paths = write_findings(sample, tmp_path)
    book = openpyxl.load_workbook(paths.xlsx)
    rows = list(book["GZ10000204001000 分解住院"].iter_rows(min_row=2))
    by_id = {r[0].value: {DETAIL_HEADERS[i]: c for i, c in enumerate(r)} for r in rows}
    first = by_id["F0004"]
    assert first["涉及金额（元）"].value == 5.0
    assert first["涉及金额（元）"].number_format == "#,##0.00"
    assert first["发生日期"].value == dt.datetime(2024, 3, 1)
    assert first["发生日期"].number_format == "yyyy-mm-dd"
    assert first["规则集版本"].value == 3
    assert first["涉及费用明细流水号"].value == "B1、B2"
    assert first["姓名（脱敏）"].value == "张**"
    assert by_id["F0003"]["涉及费用明细流水号"].value is None  # null list
    assert by_id["F0005"]["疑点说明"].value == "  <a & b>  "  # escaped, spaces kept
    assert by_id["F0005"]["发生日期"].value is None
    # rows of one rule are ordered by institution
    assert [r[0].value for r in rows] == ["F0003", "F0005", "F0004"]


def test_summary_sheets(tmp_path: Path, sample: pa.Table) -> None:
    paths = write_findings(sample, tmp_path)
    summary = values(paths.xlsx, "汇总")
    assert summary[0] == ("机构编号", "机构名称", "规则编码", "规则名称", "结果类型", "疑点数", "涉及金额")
    assert summary[1] == ("H001", "第一人民医院", "GZ10000204001000", "分解住院", "可疑", 2, 301.10)
    assert [row[6] for row in summary[1:-1]] == sorted((row[6] for row in summary[1:-1]), reverse=True)
    assert summary[-1][0] == "合计" and summary[-1][5:] == (5, 426.35)
    by_rule = values(paths.xlsx, "按规则")
    assert by_rule[0] == ("规则编码", "规则名称", "结果类型", "疑点数", "涉及金额", "涉及机构数", "备注")
    assert by_rule[1] == ("GZ10000102012000", "医疗服务项目重复收费", "明确违规", 2, 120.25, 2, None)
    assert by_rule[2] == ("GZ10000204001000", "分解住院", "可疑", 3, 306.10, 2, None)
    assert by_rule[3][:5] == ("合计", None, None, 5, 426.35)


def test_rule_summaries_fix_the_rule_list_and_info_sheet(tmp_path: Path, sample: pa.Table) -> None:
    given = [
        RuleSummary("split_admission", "GZ10000204001000", "分解住院", "可疑", 0, Decimal(0)),
        RuleSummary(
            "phantom_bed",
            "QD-0001",
            "挂床住院",
            "可疑",
            0,
            Decimal(0),
            skipped_reason="缺少列 med_chrgitm_type",
        ),
    ]
    paths = write_findings(sample, tmp_path, rule_summaries=given, run_info={"审核批次": "RUN-1"})
    by_rule = values(paths.xlsx, "按规则")
    assert [row[0] for row in by_rule[1:]] == ["GZ10000204001000", "QD-0001", "GZ10000102012000", "合计"]
    assert by_rule[2] == ("QD-0001", "挂床住院", "可疑", 0, 0, 0, "未执行：缺少列 med_chrgitm_type")
    assert by_rule[1][3] == 3  # counts come from the findings, not the given summary
    sheets = openpyxl.load_workbook(paths.xlsx).sheetnames
    assert sheets[2:4] == ["GZ10000204001000 分解住院", "GZ10000102012000 医疗服务项目重复收费"]
    info: dict[str, str] = dict(values(paths.xlsx, "说明")[1:])
    assert info["审核批次"] == "RUN-1"
    assert info["疑点总数"] == "5"
    assert info["未执行规则"] == "QD-0001 挂床住院：缺少列 med_chrgitm_type"
    assert "生成时间" in info


def test_zero_findings(tmp_path: Path) -> None:
    paths = write_findings(FINDINGS_SCHEMA.empty_table(), tmp_path)
    assert pq.read_table(paths.parquet).num_rows == 0
    book = openpyxl.load_workbook(paths.xlsx)
    assert book.sheetnames == ["汇总", "按规则", "说明"]
    assert values(paths.xlsx, "汇总")[1] == ("合计", None, None, None, None, 0, 0)
    assert values(paths.xlsx, "按规则")[1][:5] == ("合计", None, None, 0, 0)


def test_continuation_sheets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_xlsx, "EXCEL_MAX_ROWS", 5)  # header + 4 rows a sheet
    rows = [finding(n, fixmedins_code=f"H{n:03d}") for n in range(1, 11)]
    paths = write_findings(table(rows), tmp_path)
    book = openpyxl.load_workbook(paths.xlsx)
    base = "GZ10000102012000 医疗服务项目重复收费"
    assert book.sheetnames[2:5] == [base, f"{base}(续2)", f"{base}(续3)"]
    ids = [r[0] for name in book.sheetnames[2:5] for r in book[name].iter_rows(min_row=2, values_only=True)]
    assert ids == [f"F{n:04d}" for n in range(1, 11)]
    assert [book[name].max_row for name in book.sheetnames[2:5]] == [5, 5, 3]
    assert [c.value for c in book[f"{base}(续3)"][1]] == DETAIL_HEADERS


def test_sheet_names_are_sanitised_trimmed_and_unique(tmp_path: Path) -> None:
    long_name = "医疗服务项目儿童专用 [儿童/婴幼儿/新生儿]: *?\\"
    rules = [("a", "QD-9", long_name, "可疑"), ("b", "QD-9", long_name, "可疑"), ("c", "X", "汇总", "可疑")]
    rows = [finding(i, rule) for i, rule in enumerate(rules)]
    book = openpyxl.load_workbook(write_findings(table(rows), tmp_path).xlsx)
    names = book.sheetnames[2:5]
    assert names[0] == sheet_base_name("QD-9", long_name)
    assert len(set(n.casefold() for n in book.sheetnames)) == len(book.sheetnames)
    for name in names:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
    assert names[1].endswith("~2")


def test_unique_sheet_name_keeps_the_suffix_within_31_characters() -> None:
    base = "X" * 40
    assert unique_sheet_name(base, "(续2)", set()) == "X" * 27 + "(续2)"
    assert unique_sheet_name("Ab", "", {"aB"}) == "Ab~2"


def test_summarise_and_top_institutions(sample: pa.Table) -> None:
    assert summarise(sample) == [
        RuleSummary("duplicate_charge", *DUP[1:], findings=2, amount=Decimal("120.25")),
        RuleSummary("split_admission", *SPLIT[1:], findings=3, amount=Decimal("306.10")),
    ]
    top = top_institutions(sample, n=1).to_pylist()
    assert top == [
        {
            "fixmedins_code": "H001",
            "fixmedins_name": "第一人民医院",
            "findings": 3,
            "rules": 2,
            "amount": Decimal("401.10"),
        }
    ]
    assert summarise(FINDINGS_SCHEMA.empty_table()) == []


def test_render_summary(sample: pa.Table) -> None:
    console = Console(record=True, width=160)
    summaries = [
        *summarise(sample),
        RuleSummary("phantom_bed", "QD-0001", "挂床住院", "可疑", 0, Decimal(0), "缺少列"),
    ]
    render_summary(summaries, console, top_institutions=top_institutions(sample))
    text = console.export_text()
    for word in (
        "规则编码",
        "规则名称",
        "结果类型",
        "疑点数",
        "涉及金额",
        "合计",
        "¥426.35",
        "¥306.10",
        "未执行：缺少列",
    ):
        assert word in text
    assert "第一人民医院" in text and "¥401.10" in text


def test_format_money() -> None:
    assert format_money(Decimal("1234.5")) == "¥1,234.50"
    assert format_money(Decimal("-1")) == "-¥1.00"
    assert format_money(Decimal("0")) == "¥0.00"


def test_text_is_made_safe_for_excel(tmp_path: Path) -> None:
    many_ids = [f"BKKP{n:08d}" for n in range(3000)]  # 3000 × 13 characters > Excel's 32,767 a cell
    rows = [finding(1, evidence="费用\x01明细\x1f异常", fee_ids=many_ids, fee_count=3000)]
    book = openpyxl.load_workbook(write_findings(table(rows), tmp_path).xlsx)
    cells = {DETAIL_HEADERS[i]: c.value for i, c in enumerate(book[book.sheetnames[2]][2])}
    assert cells["疑点说明"] == "费用明细异常"
    assert len(cells["涉及费用明细流水号"]) == 32_767


def test_row_chunks_do_not_depend_on_the_chunk_size() -> None:
    data = pa.table({"t": ["a", None, "", "x&y"], "n": pa.array([1, None, 3, 4], pa.int32())})
    columns = [StreamColumn(CellKind.TEXT), StreamColumn(CellKind.NUMBER, style=2)]
    small = b"".join(bytes(c) for c in row_chunks(data, columns, first_row=2, chunk_rows=3))
    whole = b"".join(bytes(c) for c in row_chunks(data, columns, first_row=2))
    assert small == whole
    assert whole.decode().startswith('<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c>')
    assert '<row r="3"></row>' in whole.decode()
    assert '<c r="B5" s="2"><v>4</v></c>' in whole.decode()
    assert "x&amp;y" in whole.decode()
