"""Export of the case store: CSV (UTF-8 with BOM, opens in Excel) or xlsx, Chinese headers.

Personal data are masked by default: phone numbers and card/account numbers inside the case text are
replaced by their masked forms (``138****5678``, ``************1234``).
"""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook

from qiandai.domain.errors import InvalidInputError
from qiandai.domain.masking import mask_code, mask_phone
from qiandai.texts.cases import CaseRecord
from qiandai.texts.methods import MethodBook

HEADERS = [
    "案件编号",
    "报案时间",
    "来源渠道",
    "案情描述",
    "建议类型",
    "建议置信度",
    "确认类型",
    "复核人",
    "复核时间",
]
_CARD = re.compile(r"(?<!\d)\d{15,19}(?!\d)")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_text(text: str) -> str:
    """Mask bank-card-like digit runs and mobile numbers in free text."""
    text = _CARD.sub(lambda m: mask_code(m.group(0)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def export_cases(records: list[CaseRecord], book: MethodBook, fmt: str, *, masked: bool = True) -> bytes:
    rows = [_row(r, book, masked) for r in records]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(HEADERS)
        writer.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode("utf-8")
    if fmt == "xlsx":
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "案件"
        ws.append(HEADERS)
        for row in rows:
            ws.append(row)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    raise InvalidInputError(f"不支持的导出格式 {fmt!r}：请选择 csv 或 xlsx")


def _row(r: CaseRecord, book: MethodBook, masked: bool) -> list[object]:
    return [
        r.case_id,
        r.reported_at.strftime("%Y-%m-%d %H:%M"),
        r.channel,
        mask_text(r.text) if masked else r.text,
        book.name_of(r.suggested_type) if r.suggested_type else "",
        round(r.suggested_confidence, 3) if r.suggested_confidence is not None else "",
        book.name_of(r.confirmed_type) if r.confirmed_type else "",
        r.reviewer or "",
        r.reviewed_at.strftime("%Y-%m-%d %H:%M") if r.reviewed_at else "",
    ]
