"""xlsx exports of web tables: Chinese headers, frozen header row, widths, streamed by xlsxwriter.

A page builds its rows once (:class:`Table`) and either renders them or exports them, so the export
always matches what the page shows — including masking: exports carry masked identifiers only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import xlsxwriter
from fastapi import Response

from qiandai.store.base import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    """Headers (Chinese) and rows of plain values; ``money`` marks columns formatted as 0.00."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)
    money: frozenset[int] = frozenset()


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return value


def xlsx_bytes(table: Table) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(table.title[:31] or "Sheet1")
    head = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True})
    money = book.add_format({"num_format": "#,##0.00"})
    widths = [max(8, len(h) * 2 + 2) for h in table.headers]
    sheet.write_row(0, 0, list(table.headers), head)
    for r, row in enumerate(table.rows, start=1):
        for c, value in enumerate(row):
            cell = _cell(value)
            sheet.write(r, c, cell, money if c in table.money else None)
            if isinstance(cell, str) and c < len(widths):
                widths[c] = min(60, max(widths[c], len(cell) * 2))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 0)
    if table.rows:
        sheet.autofilter(0, 0, len(table.rows), len(table.headers) - 1)
    book.close()
    return buffer.getvalue()


def xlsx_response(table: Table, filename: str) -> Response:
    """Download ``table`` as ``filename`` (UTF-8 file name, e.g. ``疑点队列.xlsx``)."""
    return Response(
        xlsx_bytes(table),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )
