"""Export of the fraud-method knowledge base: the JSON document, or an xlsx with Chinese headers."""

from __future__ import annotations

import io
import json

from openpyxl import Workbook

from qiandai.domain.errors import InvalidInputError
from qiandai.texts.methods import MethodBook

METHOD_HEADERS = [
    "编号",
    "名称",
    "别名",
    "手法描述",
    "典型话术",
    "识别要点",
    "易受骗人群",
    "防范建议",
    "所属清单",
]
FLAG_HEADERS = ["编号", "名称", "规则", "来源", "权重", "关联手法", "匹配模式"]


def export_book(book: MethodBook, fmt: str) -> bytes:
    """Return the book as ``json`` (the editable document, re-importable) or ``xlsx`` bytes."""
    if fmt == "json":
        return json.dumps(book.raw, ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(book)
    raise InvalidInputError(f"不支持的导出格式 {fmt!r}：请选择 json 或 xlsx")


def _xlsx(book: MethodBook) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "诈骗手法"
    ws.append(METHOD_HEADERS)
    for m in book.methods:
        ws.append(
            [
                m.id,
                m.name,
                "、".join(m.aliases),
                m.description,
                "\n".join(m.scripts),
                "\n".join(m.red_flags),
                "、".join(m.targets),
                "\n".join(m.advice),
                "、".join(m.lists),
            ]
        )
    flags = wb.create_sheet("红旗规则")
    flags.append(FLAG_HEADERS)
    for f in book.red_flags:
        names = "、".join(book.name_of(mid) for mid in f.methods)
        flags.append([f.id, f.name, f.rule, f.source, f.weight, names, " | ".join(f.patterns)])
    log = wb.create_sheet("版本记录")
    log.append(["版本", "日期", "修改人", "说明"])
    for entry in book.changelog:
        log.append([entry.get("version"), entry.get("date"), entry.get("author"), entry.get("note")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
