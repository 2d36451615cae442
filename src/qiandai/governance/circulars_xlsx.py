"""A circular as an xlsx workbook: 概况 first, then one sheet per section, Chinese headers, frozen header
row, money as ``#,##0.00``."""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter

from qiandai.governance.circulars import Circular


def xlsx_bytes(circular: Circular) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format(
        {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    money = book.add_format({"num_format": "#,##0.00", "border": 1})
    cell = book.add_format({"border": 1})
    note = book.add_format({"italic": True, "font_color": "#555555"})
    summary = book.add_worksheet("概况")
    summary.write(0, 0, circular.title, title)
    summary.write(1, 0, f"统计周期：{circular.period.label}；通报层级：{circular.level_label}")
    for i, line in enumerate(circular.summary, start=3):
        summary.write(i, 0, line)
    summary.set_column(0, 0, 120)
    for section in circular.sections:
        sheet = book.add_worksheet(section.title[:31].replace("（", "(").replace("）", ")")[:31])
        sheet.write_row(0, 0, section.headers, head)
        widths = [max(8, len(h) * 2 + 2) for h in section.headers]
        for r, row in enumerate(section.rows, start=1):
            for c, value in enumerate(row):
                if isinstance(value, Decimal):
                    sheet.write_number(r, c, float(value), money if c in section.money else cell)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value, cell)
                else:
                    sheet.write_string(r, c, str(value), cell)
                    widths[c] = min(40, max(widths[c], len(str(value)) * 2))
        if section.note:
            sheet.write(len(section.rows) + 2, 0, section.note, note)
        for c, w in enumerate(widths):
            sheet.set_column(c, c, w)
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
