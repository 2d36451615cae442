"""Write Arrow tables as worksheets with Chinese headers (shared by the indicator and model outputs).

Contract: :func:`write_tables` writes one sheet per :class:`Sheet` (header row frozen, autofilter, column
widths) plus an optional two-column 「说明」 sheet. Data rows are streamed column-wise
(:mod:`qiandai.claims.xlsx_stream`), so 10⁵–10⁶ rows take seconds, not minutes. Float columns are
rounded to ``digits`` decimals; integer and float columns are numbers, everything else text.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from qiandai.claims.xlsx_stream import CellKind, SheetRows, StreamColumn, row_chunks, splice_rows

EXCEL_MAX_ROWS = 1_048_575


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``table``'s columns ``columns`` (English names) under Chinese ``headers``."""

    name: str
    table: pa.Table
    headers: Mapping[str, str]
    digits: int = 4
    note: str | None = None  # written in A2 when the table is empty

    @property
    def columns(self) -> list[str]:
        return [c for c in self.headers if c in self.table.column_names]


def _values(sheet: Sheet) -> tuple[pa.Table, list[CellKind]]:
    cols, kinds = [], []
    for name in sheet.columns:
        col = sheet.table.column(name)
        if pa.types.is_floating(col.type):
            col = pc.round(col, sheet.digits)
            kinds.append(CellKind.NUMBER)
        elif pa.types.is_integer(col.type) or pa.types.is_decimal(col.type):
            kinds.append(CellKind.NUMBER)
        else:
            col = col.cast(pa.string())
            kinds.append(CellKind.TEXT)
        cols.append(col)
    table = pa.table(cols, names=sheet.columns).slice(0, EXCEL_MAX_ROWS)
    return table, kinds


def write_tables(path: Path, sheets: Sequence[Sheet], info: Mapping[str, str] | None = None) -> Path:
    """Write ``sheets`` (and 「说明」 from ``info``) to ``path``; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prepared = [(s, *_values(s)) for s in sheets]
    with tempfile.TemporaryDirectory(prefix="qiandai-xlsx-") as tmp:
        skeleton = Path(tmp) / "skeleton.xlsx"
        book = xlsxwriter.Workbook(str(skeleton), {"constant_memory": True, "tmpdir": tmp})
        header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        for sheet, table, _kinds in prepared:
            ws = book.add_worksheet(sheet.name)
            for i, name in enumerate(sheet.columns):
                title = sheet.headers[name]
                ws.set_column(i, i, max(10, min(40, 2 * len(title) + 4)))
                ws.write_string(0, i, title, header)
            ws.freeze_panes(1, 0)
            if table.num_rows:
                ws.autofilter(0, 0, table.num_rows, len(sheet.columns) - 1)
            elif sheet.note:
                ws.write_string(1, 0, sheet.note)
        if info:
            ws = book.add_worksheet("说明")
            ws.set_column(0, 0, 20)
            ws.set_column(1, 1, 100)
            ws.write_string(0, 0, "项目", header)
            ws.write_string(0, 1, "内容", header)
            for row, (key, value) in enumerate(info.items(), start=1):
                ws.write_string(row, 0, key)
                ws.write_string(row, 1, value)
        book.close()
        streams = {
            sheet.name: SheetRows(
                last_row=table.num_rows + 1,
                last_col=table.num_columns,
                chunks=row_chunks(table, [StreamColumn(k) for k in kinds], first_row=2),
            )
            for sheet, table, kinds in prepared
            if table.num_rows
        }
        partial = path.with_name(path.name + ".part")
        splice_rows(skeleton, partial, streams)
        partial.replace(path)
    return path
