"""The reviewer's workbook ``suspects.xlsx``: 「汇总」, 「按规则」, one sheet per rule, 「说明」.

Contract: the workbook never holds the raw ``psn_no``, only the masked columns; detail sheets follow
:data:`CHINESE_HEADERS` order, with ``fee_ids`` joined by '、', amounts as numbers with two decimals and
dates as dates. A rule with more rows than :data:`EXCEL_MAX_ROWS` continues on 「(续2)」, 「(续3)」… sheets.
xlsxwriter (``constant_memory``) writes the small sheets and the detail headers; the detail rows are streamed
by :mod:`qiandai.claims.xlsx_stream` (see there why).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from qiandai.claims.findings import CHINESE_HEADERS
from qiandai.claims.summary import (
    RuleSummary,
    format_money,
    institution_rule_summary,
    institutions_per_rule,
    money,
    summarise,
)
from qiandai.claims.xlsx_stream import CellKind, SheetRows, StreamColumn, row_chunks, splice_rows

EXCEL_MAX_ROWS = 1_048_576
"""Rows per worksheet, header included (Excel's limit). Tests lower it to exercise continuation sheets."""

SHEET_NAME_MAX = 31
SUMMARY_SHEET = "汇总"
BY_RULE_SHEET = "按规则"
INFO_SHEET = "说明"

DETAIL_COLUMNS: tuple[str, ...] = tuple(name for name in CHINESE_HEADERS if name != "psn_no")
"""Columns of the per-rule sheets, in :data:`CHINESE_HEADERS` order; ``psn_no`` is never exported."""

_FORBIDDEN_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_WIDTHS = {
    "finding_id": 26, "run_id": 22, "rule_set": 16, "rule_set_version": 12, "rule_id": 22,
    "rule_code": 20, "rule_name": 28, "result_type": 10, "kp_id": 14, "fixmedins_code": 18,
    "fixmedins_name": 30, "mdtrt_id": 24, "psn_name_masked": 14, "certno_masked": 22, "med_type": 10,
    "event_date": 12, "fee_ids": 40, "fee_count": 14, "amount": 16, "evidence": 70,
}  # fmt: skip


@dataclass(frozen=True)
class _Formats:
    header: Format
    amount: Format
    integer: Format
    date: Format
    total: Format
    total_amount: Format


@dataclass(frozen=True)
class _DetailSheet:
    name: str
    rows: pa.Table


def write_workbook(
    table: pa.Table, path: Path, summaries: Sequence[RuleSummary] | None, run_info: Mapping[str, str]
) -> None:
    """Build the small sheets with xlsxwriter, then stream the detail rows into the finished file."""
    rules = _rule_lines(table, summaries)
    detail_sheets = _detail_sheets(table, rules)
    with tempfile.TemporaryDirectory(prefix="qiandai-xlsx-") as tmp:
        skeleton = Path(tmp) / "skeleton.xlsx"
        book = xlsxwriter.Workbook(str(skeleton), {"constant_memory": True, "tmpdir": tmp})
        formats = _formats(book)
        _write_summary_sheet(book, formats, institution_rule_summary(table))
        _write_by_rule_sheet(book, formats, rules, institutions_per_rule(table))
        column_formats = {"rule_set_version": formats.integer, "fee_count": formats.integer}
        column_formats |= {"amount": formats.amount, "event_date": formats.date}
        for sheet in detail_sheets:
            _write_detail_header(book, sheet, formats, column_formats)
        _write_info_sheet(book, formats, table, rules, run_info)
        book.close()
        # Styles are known only now; read them only if a detail sheet used them.
        columns = [_stream_column(name, column_formats) for name in DETAIL_COLUMNS] if detail_sheets else []
        streams = {
            sheet.name: SheetRows(
                last_row=sheet.rows.num_rows + 1,
                last_col=len(DETAIL_COLUMNS),
                chunks=row_chunks(_detail_values(sheet.rows), columns, first_row=2),
            )
            for sheet in detail_sheets
        }
        partial = path.with_name(path.name + ".part")
        splice_rows(skeleton, partial, streams)
        partial.replace(path)


def _formats(book: xlsxwriter.Workbook) -> _Formats:
    header = {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"}
    return _Formats(
        header=book.add_format(header),
        amount=book.add_format({"num_format": "#,##0.00"}),
        integer=book.add_format({"num_format": "0"}),
        date=book.add_format({"num_format": "yyyy-mm-dd"}),
        total=book.add_format({"bold": True, "top": 1}),
        total_amount=book.add_format({"bold": True, "top": 1, "num_format": "#,##0.00"}),
    )


def _header(sheet: Worksheet, formats: _Formats, headers: Sequence[str], widths: Sequence[int]) -> None:
    for col, (title, width) in enumerate(zip(headers, widths, strict=True)):
        sheet.set_column(col, col, max(width, 2 * len(title) + 2))
        sheet.write_string(0, col, title, formats.header)
    sheet.freeze_panes(1, 0)


def _write_summary_sheet(book: xlsxwriter.Workbook, formats: _Formats, lines: pa.Table) -> None:
    sheet = book.add_worksheet(SUMMARY_SHEET)
    headers = ["机构编号", "机构名称", "规则编码", "规则名称", "结果类型", "疑点数", "涉及金额"]
    _header(sheet, formats, headers, [18, 30, 20, 28, 10, 10, 16])
    sheet.set_column(6, 6, 16, formats.amount)
    row = 0
    for row, line in enumerate(lines.to_pylist(), start=1):
        sheet.write_string(row, 0, line["fixmedins_code"] or "")
        sheet.write_string(row, 1, line["fixmedins_name_min"] or "")
        sheet.write_string(row, 2, line["rule_code"] or "")
        sheet.write_string(row, 3, line["rule_name_min"] or "")
        sheet.write_string(row, 4, line["result_type_min"] or "")
        sheet.write_number(row, 5, line["count_all"])
        sheet.write_number(row, 6, float(money(line["amount_sum"])), formats.amount)
    total_amount = pc.sum(lines["amount_sum"]).as_py() if lines.num_rows else None
    _total_row(sheet, formats, row + 1, 5, int(pc.sum(lines["count_all"]).as_py() or 0), money(total_amount))


def _total_row(
    sheet: Worksheet, formats: _Formats, row: int, count_col: int, count: int, amount: Decimal
) -> None:
    sheet.write_string(row, 0, "合计", formats.total)
    for col in range(1, count_col):
        sheet.write_blank(row, col, None, formats.total)
    sheet.write_number(row, count_col, count, formats.total)
    sheet.write_number(row, count_col + 1, float(amount), formats.total_amount)


def _rule_lines(table: pa.Table, summaries: Sequence[RuleSummary] | None) -> list[RuleSummary]:
    """The run's rules, counted in ``table``: the given summaries' order, then rules only in the table."""
    found = {s.rule_id: s for s in summarise(table)}
    if summaries is None:
        return list(found.values())
    lines = []
    for s in summaries:
        hit = found.pop(s.rule_id, None)
        count, amount = (hit.findings, hit.amount) if hit else (0, Decimal("0.00"))
        lines.append(
            RuleSummary(s.rule_id, s.rule_code, s.rule_name, s.result_type, count, amount, s.skipped_reason)
        )
    return lines + list(found.values())


def _write_by_rule_sheet(
    book: xlsxwriter.Workbook,
    formats: _Formats,
    rules: Sequence[RuleSummary],
    institutions: Mapping[str, int],
) -> None:
    sheet = book.add_worksheet(BY_RULE_SHEET)
    headers = ["规则编码", "规则名称", "结果类型", "疑点数", "涉及金额", "涉及机构数", "备注"]
    _header(sheet, formats, headers, [20, 30, 10, 10, 16, 12, 40])
    sheet.set_column(4, 4, 16, formats.amount)
    row = 0
    for row, rule in enumerate(rules, start=1):
        sheet.write_string(row, 0, rule.rule_code)
        sheet.write_string(row, 1, rule.rule_name)
        sheet.write_string(row, 2, rule.result_type)
        sheet.write_number(row, 3, rule.findings)
        sheet.write_number(row, 4, float(rule.amount), formats.amount)
        sheet.write_number(row, 5, institutions.get(rule.rule_id, 0))
        if rule.skipped_reason:
            sheet.write_string(row, 6, f"未执行：{rule.skipped_reason}")
    total = sum((r.amount for r in rules), Decimal(0))
    _total_row(sheet, formats, row + 1, 3, sum(r.findings for r in rules), total)


def _detail_sheets(table: pa.Table, rules: Sequence[RuleSummary]) -> list[_DetailSheet]:
    """One sheet per rule with findings (in ``rules`` order), split at :data:`EXCEL_MAX_ROWS`."""
    ordered = table.sort_by(
        [
            ("rule_id", "ascending"),
            ("fixmedins_code", "ascending"),
            ("event_date", "ascending"),
            ("mdtrt_id", "ascending"),
            ("finding_id", "ascending"),
        ]
    )
    spans = _runs(ordered.column("rule_id"))
    taken = {SUMMARY_SHEET, BY_RULE_SHEET, INFO_SHEET}
    per_sheet = EXCEL_MAX_ROWS - 1
    sheets = []
    for rule in rules:
        if rule.rule_id not in spans:
            continue
        start, length = spans[rule.rule_id]
        base = sheet_base_name(rule.rule_code, rule.rule_name)
        for part, offset in enumerate(range(0, length, per_sheet), start=1):
            suffix = "" if part == 1 else f"(续{part})"
            name = unique_sheet_name(base, suffix, taken)
            taken.add(name)
            sheets.append(_DetailSheet(name, ordered.slice(start + offset, min(per_sheet, length - offset))))
    return sheets


def _runs(sorted_keys: pa.ChunkedArray) -> dict[str, tuple[int, int]]:
    """Map each value of an already sorted column to its (start, length)."""
    encoded = pc.run_end_encode(sorted_keys.combine_chunks())
    ends = encoded.run_ends.to_pylist()
    starts = [0, *ends][: len(ends)]
    values = encoded.values.to_pylist()
    return {value: (start, end - start) for value, start, end in zip(values, starts, ends, strict=True)}


def sheet_base_name(rule_code: str, rule_name: str) -> str:
    """Rule code + name, without the characters Excel forbids (``[]:*?/\\``), at most 31 characters."""
    name = f"{rule_code} {rule_name}".translate(_FORBIDDEN_SHEET_CHARS).strip().strip("'")
    return name[:SHEET_NAME_MAX].rstrip() or "规则"


def unique_sheet_name(base: str, suffix: str, taken: set[str]) -> str:
    """Return ``base + suffix`` trimmed to 31 characters, unique (case-insensitively) against ``taken``."""
    lowered = {name.casefold() for name in taken}
    counter = 1
    while True:
        extra = suffix if counter == 1 else f"{suffix}~{counter}"
        name = base[: SHEET_NAME_MAX - len(extra)].rstrip() + extra
        if name.casefold() not in lowered:
            return name
        counter += 1


def _write_detail_header(
    book: xlsxwriter.Workbook, sheet: _DetailSheet, formats: _Formats, column_formats: Mapping[str, Format]
) -> None:
    ws = book.add_worksheet(sheet.name)
    _header(ws, formats, [CHINESE_HEADERS[c] for c in DETAIL_COLUMNS], [_WIDTHS[c] for c in DETAIL_COLUMNS])
    for col, name in enumerate(DETAIL_COLUMNS):
        if name in column_formats:
            width = max(_WIDTHS[name], 2 * len(CHINESE_HEADERS[name]) + 2)
            ws.set_column(col, col, width, column_formats[name])
    ws.autofilter(0, 0, sheet.rows.num_rows, len(DETAIL_COLUMNS) - 1)


def _stream_column(name: str, column_formats: Mapping[str, Format]) -> StreamColumn:
    """The kind and style of a detail column; styles exist once the skeleton workbook is closed."""
    if name not in column_formats:
        return StreamColumn(CellKind.TEXT)
    style = column_formats[name].xf_index
    if style is None:  # pragma: no cover - xlsxwriter assigns it when writing the column's <col> element
        raise RuntimeError(f"xlsxwriter did not assign a style to column {name}")
    return StreamColumn(CellKind.DATE if name == "event_date" else CellKind.NUMBER, style)


def _detail_values(rows: pa.Table) -> pa.Table:
    """Detail columns ready for streaming: ``fee_ids`` joined with '、'."""
    columns = []
    for name in DETAIL_COLUMNS:
        column = rows.column(name)
        if name == "fee_ids":
            column = pc.binary_join(column, "、")
        columns.append(column)
    return pa.table(columns, names=list(DETAIL_COLUMNS))


def _write_info_sheet(
    book: xlsxwriter.Workbook,
    formats: _Formats,
    table: pa.Table,
    rules: Sequence[RuleSummary],
    run_info: Mapping[str, str],
) -> None:
    sheet = book.add_worksheet(INFO_SHEET)
    _header(sheet, formats, ["项目", "内容"], [18, 80])
    for row, (key, value) in enumerate(_info_lines(table, rules, run_info), start=1):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)


def _info_lines(
    table: pa.Table, rules: Sequence[RuleSummary], run_info: Mapping[str, str]
) -> Iterator[tuple[str, str]]:
    yield from run_info.items()
    if "生成时间" not in run_info:
        yield "生成时间", datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
    total = sum((r.amount for r in rules), Decimal(0))
    yield "疑点总数", f"{table.num_rows:,}"
    yield "涉及金额合计", format_money(total)
    for rule in rules:
        if rule.skipped_reason:
            yield "未执行规则", f"{rule.rule_code} {rule.rule_name}：{rule.skipped_reason}"
    yield "个人信息", "姓名、证件号码已脱敏；人员编号不导出。明细见 suspects.parquet（按权限查看）。"
