"""Reader for the official xlsx layout in which NHSA publishes knowledge points (batches 1–8).

A workbook is recognised by the Chinese headers of its sheets, not by its file name:

- drugs: Sheet1 (药品通用名, 药品说明, 限定类型, 限定对象|限定值域) + Sheet2 (药品通用名, 序号,
  国标代码|药品代码, 限定类型), joined on the drug name;
- items: (项目名称, 项目说明, 国标代码, 限定类型, 限定性别 | 限定值域) or
  (项目名称, 国标代码, 限定类型, 限定对象);
- batch 7 pairs (序号, 频度, 主项名称, 主项编码, 从项名称, 从项编码, 备注);
- batch 8: 限定频次 (…, 限制数量, 数量单位, 项目编码), 周期 (…, 频次上限, 疗程周期, 备注, 项目代码),
  and (序号, 项目名称, 备注, 项目代码) whose rule class comes from the sheet title or the file name.

The batch number is read from the file name ('【第八批-1】…' → 8) when it is there. Numeric code cells
are taken as written (an integer cell loses leading zeros; official files store codes as text).
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath
from typing import Any

from qiandai.knowledge import textparams as tp
from qiandai.knowledge.records import XlsxRow, kb_error

Cell = Any
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class SheetLayout:
    """Required header slots of one sheet layout; a slot is satisfied by any of its names."""

    name: str
    slots: tuple[tuple[str, ...], ...]

    def describe(self) -> str:
        return "、".join("|".join(slot) for slot in self.slots)

    def matched(self, headers: Sequence[str]) -> int:
        return sum(1 for slot in self.slots if any(h in headers for h in slot))

    def column(self, headers: Sequence[str], slot_index: int) -> int:
        for name in self.slots[slot_index]:
            if name in headers:
                return list(headers).index(name)
        raise ValueError(slot_index)


DRUG_ITEMS = SheetLayout("drug", (("药品通用名",), ("药品说明",), ("限定类型",), ("限定对象", "限定值域")))
DRUG_CODES = SheetLayout("drug_codes", (("药品通用名",), ("序号",), ("国标代码", "药品代码"), ("限定类型",)))
ITEM_GENDER = SheetLayout(
    "item_gender", (("项目名称",), ("项目说明",), ("国标代码",), ("限定类型",), ("限定性别",))
)
ITEM_RANGE = SheetLayout(
    "item_range", (("项目名称",), ("项目说明",), ("国标代码",), ("限定类型",), ("限定值域",))
)
ITEM_TARGET = SheetLayout("item_target", (("项目名称",), ("国标代码",), ("限定类型",), ("限定对象",)))
PAIRS = SheetLayout(
    "duplicate_pairs",
    (("序号",), ("频度",), ("主项名称",), ("主项编码",), ("从项名称",), ("从项编码",), ("备注",)),
)
FREQUENCY = SheetLayout(
    "item_frequency", (("序号",), ("项目名称",), ("限制数量",), ("数量单位",), ("项目编码", "项目代码"))
)
CYCLE = SheetLayout(
    "item_cycle",
    (("序号",), ("项目名称",), ("频次上限",), ("疗程周期",), ("备注",), ("项目代码", "项目编码")),
)
ITEM_NOTE = SheetLayout("item_note", (("序号",), ("项目名称",), ("备注",), ("项目代码", "项目编码")))

# Most specific first: a sheet is read with the first layout whose every slot is present.
MAIN_LAYOUTS = (PAIRS, CYCLE, ITEM_GENDER, ITEM_RANGE, FREQUENCY, DRUG_ITEMS, ITEM_TARGET, ITEM_NOTE)

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text)


def batch_from_name(name: str) -> int | None:
    """'【第八批-1】项目规则库（限定频次）.xlsx' → 8; None when the name states no batch."""
    match = re.search(r"第([一二三四五六七八九十\d]+)批", name)
    return _cn_number(match.group(1)) if match else None


@dataclass(frozen=True)
class XlsxContent:
    """A recognised workbook: its layout name, batch (if the file name states it) and rows."""

    layout: str
    batch: int | None
    batch_tag: str
    rows: list[XlsxRow]


def _text(cell: Cell) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip()
    return text or None


def _int(cell: Cell) -> int | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    text = _text(cell)
    return int(text) if text and text.isdigit() else None


def _headers(rows: list[Row]) -> tuple[list[str], int]:
    """The first non-empty row as stripped header strings, and its index."""
    for index, row in enumerate(rows):
        if any(c is not None and str(c).strip() for c in row):
            return [str(c).strip() if c is not None else "" for c in row], index
    return [], 0


class _Sheet:
    """A sheet's rows addressed by header slot of a layout."""

    def __init__(self, title: str, rows: list[Row]) -> None:
        self.title = title
        self.headers, self.header_index = _headers(rows)
        self.rows = rows

    def records(self, layout: SheetLayout) -> list[tuple[int, list[Cell]]]:
        """(excel row number, cells in slot order) for every data row."""
        columns = [layout.column(self.headers, i) for i in range(len(layout.slots))]
        out = []
        for offset, row in enumerate(self.rows[self.header_index + 1 :], start=self.header_index + 2):
            cells = [row[c] if c < len(row) else None for c in columns]
            out.append((offset, cells))
        return out


def _load_sheets(source: str, data: bytes) -> list[_Sheet]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise kb_error(source, f"无法读取：不是有效的 xlsx 工作簿（{exc.__class__.__name__}）") from exc
    try:
        return [
            _Sheet(ws.title, [tuple(r) for r in ws.iter_rows(values_only=True)]) for ws in workbook.worksheets
        ]
    finally:
        workbook.close()


def _unknown_layout(source: str, sheets: list[_Sheet]) -> Exception:
    headers = sheets[0].headers if sheets else []
    shown = [h for h in headers if h]
    best = max(MAIN_LAYOUTS, key=lambda lay: lay.matched(shown))
    if shown and best.matched(shown) >= max(2, len(best.slots) - 2):
        missing = ["|".join(slot) for slot in best.slots if not any(name in shown for name in slot)]
        return kb_error(
            source, f"缺少列：{'、'.join(missing)}（表头为 {'、'.join(shown)}；期望 {best.describe()}）"
        )
    expected = "；".join(f"（{lay.describe()}）" for lay in MAIN_LAYOUTS)
    return kb_error(
        source, f"无法识别的版式：首个工作表表头为 {'、'.join(shown) or '（空）'}；期望的表头之一：{expected}"
    )


def read_official_xlsx(source: str, data: bytes) -> XlsxContent:
    """Recognise the workbook's layout by its headers and return its knowledge rows.

    Raises KnowledgeBaseError naming ``source``: unreadable file, unknown layout (listing the
    expected headers), missing columns, a drug workbook without its code sheet, unknown 限定类型.
    """
    sheets = _load_sheets(source, data)
    batch = batch_from_name(source)
    batch_tag = f"batch_{batch:02d}" if batch is not None else PurePath(source).stem
    for sheet in sheets:
        layout = next((lay for lay in MAIN_LAYOUTS if lay.matched(sheet.headers) == len(lay.slots)), None)
        if layout is None or layout is DRUG_CODES:
            continue
        reader = _READERS[layout.name]
        rows = reader(source, sheet, sheets)
        return XlsxContent(layout.name, batch, batch_tag, rows)
    raise _unknown_layout(source, sheets)


# --- one reader per layout ------------------------------------------------------------------------


def _drug_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    code_sheet = next((s for s in sheets if s is not sheet and DRUG_CODES.matched(s.headers) == 4), None)
    if code_sheet is None:
        raise kb_error(source, f"缺少药品编码工作表（表头应为 {DRUG_CODES.describe()}）")
    codes: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for _, (name, seq, code, _kind) in code_sheet.records(DRUG_CODES):
        if _text(name) and _text(code):
            codes[str(_text(name))].append((_int(seq) or 0, str(_text(code))))
    rows = []
    for row_no, (name, desc, kind, target) in sheet.records(DRUG_ITEMS):
        name_text = _text(name)
        if not name_text:
            continue
        classes, new_class, params = _drug_kind(source, row_no, _text(kind), _text(target), _text(desc))
        drug_codes = tuple((c, "item") for _, c in sorted(codes.get(name_text, [])))
        rows.append(XlsxRow(classes, new_class, drug_codes, name_text, _text(desc), params, row_no))
    return rows


def _drug_kind(
    source: str, row_no: int, kind: str | None, target: str | None, desc: str | None
) -> tuple[tuple[str, ...], str, dict[str, Any]]:
    """Rule classes, class for a new point and parameters of one drug row (by its 限定类型)."""
    params: dict[str, Any] = {}
    if kind == "限定性别对象":
        gender = tp.gender_code(target)
        params = {"gender": gender} if gender else {}
        return (tp.DRUG_GENDER,), tp.DRUG_GENDER, params
    if kind == "限定年龄对象":
        child = tp.child_target(target)
        params = {"target": child} if child else {}
        # A new point whose description is a payment restriction ('限…') is a 限儿童使用 point.
        new_class = tp.DRUG_CHILD_LIMIT if tp.normalize(desc).startswith("限") else tp.DRUG_CHILD_ONLY
        return (tp.DRUG_CHILD_ONLY, tp.DRUG_CHILD_LIMIT), new_class, params
    if kind == "限定保险类型":
        insurance = tp.normalize(target).removesuffix("保险")
        if insurance == "工伤":
            return (tp.DRUG_WORK_INJURY,), tp.DRUG_WORK_INJURY, {"insurance": "工伤"}
        if insurance == "生育":
            return (tp.DRUG_MATERNITY,), tp.DRUG_MATERNITY, {"insurance": "生育"}
        raise kb_error(source, f"第 {row_no} 行的限定对象「{target}」无法识别（应为 工伤 或 生育）")
    if kind == "限定机构等级":
        tier = tp.tier_from_value(target)
        return (tp.DRUG_INSTITUTION_LEVEL,), tp.DRUG_INSTITUTION_LEVEL, ({"min_tier": tier} if tier else {})
    if kind == "限定支付疗程":
        days = tp.days_from_value(target)
        return (tp.DRUG_COURSE,), tp.DRUG_COURSE, ({"max_days": days} if days else {})
    if kind == "限定就医方式":
        scene = tp.normalize(target)
        return (
            (tp.DRUG_VISIT_TYPE,),
            tp.DRUG_VISIT_TYPE,
            ({"required_scene": scene} if scene in ("住院", "门诊") else {}),
        )
    known = "限定性别对象、限定年龄对象、限定保险类型、限定机构等级、限定支付疗程、限定就医方式"
    raise kb_error(source, f"第 {row_no} 行的限定类型「{kind}」无法识别（可识别：{known}）")


def _item_gender_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rows = []
    for row_no, (name, desc, code, _kind, gender) in sheet.records(ITEM_GENDER):
        if not _text(code) and not _text(name):
            continue
        g = tp.gender_code(_text(gender))
        codes = ((str(_text(code)), "item"),) if _text(code) else ()
        params = {"gender": g} if g else {}
        rows.append(
            XlsxRow((tp.ITEM_GENDER,), tp.ITEM_GENDER, codes, _text(name), _text(desc), params, row_no)
        )
    return rows


def _item_range_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rows = []
    for row_no, (name, _desc, code, kind, value) in sheet.records(ITEM_RANGE):
        if not _text(code):
            continue
        if _text(kind) != "限定主次操作":
            raise kb_error(
                source, f"第 {row_no} 行的限定类型「{_text(kind)}」无法识别（可识别：限定主次操作）"
            )
        group = _text(value)
        params = {"group": group} if group else {}
        codes = ((str(_text(code)), "item"),)
        rows.append(
            XlsxRow(
                (tp.SURGERY_DISCOUNT,), tp.SURGERY_DISCOUNT, codes, _text(name), group, params, row_no, group
            )
        )
    return rows


def _item_target_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rows = []
    for row_no, (name, code, kind, target) in sheet.records(ITEM_TARGET):
        if not _text(code):
            continue
        if _text(kind) != "限定年龄对象":
            raise kb_error(
                source, f"第 {row_no} 行的限定类型「{_text(kind)}」无法识别（可识别：限定年龄对象）"
            )
        child = tp.child_target(_text(target))
        params = {"target": child} if child else {}
        codes = ((str(_text(code)), "item"),)
        rows.append(
            XlsxRow((tp.ITEM_CHILD_ONLY,), tp.ITEM_CHILD_ONLY, codes, _text(name), None, params, row_no)
        )
    return rows


def _pair_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rows = []
    for row_no, (_seq, window, name_a, code_a, name_b, code_b, note) in sheet.records(PAIRS):
        a, b = _text(code_a), _text(code_b)
        if not a or not b:
            continue
        params: dict[str, Any] = {"name_a": _text(name_a), "name_b": _text(name_b)}
        w = tp.normalize(_text(window)).replace(" ", "")
        if w in tp.WINDOWS:
            params["window"] = w
        name = f"{_text(name_a)}×{_text(name_b)}"
        codes = ((a, "A"), (b, "B"))
        rows.append(
            XlsxRow((tp.DUPLICATE_CHARGE,), tp.DUPLICATE_CHARGE, codes, name, _text(note), params, row_no)
        )
    return rows


def _frequency_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rows = []
    for row_no, (_seq, name, limit, unit, code) in sheet.records(FREQUENCY):
        if not _text(code):
            continue
        params: dict[str, Any] = {}
        count, unit_text = _int(limit), tp.normalize(_text(unit))
        unit_text = "日" if unit_text == "天" else unit_text
        if count is not None and unit_text in ("日", "小时"):
            params = {"max_count": count, "unit": unit_text}
        codes = ((str(_text(code)), "item"),)
        rows.append(
            XlsxRow((tp.ITEM_FREQUENCY,), tp.ITEM_FREQUENCY, codes, _text(name), unit_text, params, row_no)
        )
    return rows


def _cycle_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rows = []
    for row_no, (_seq, name, limit, period, note, code) in sheet.records(CYCLE):
        if not _text(code):
            continue
        count, days = _int(limit), _int(period)
        params = {"max_count": count, "period_days": days} if count is not None and days else {}
        codes = ((str(_text(code)), "item"),)
        rows.append(XlsxRow((tp.ITEM_CYCLE,), tp.ITEM_CYCLE, codes, _text(name), _text(note), params, row_no))
    return rows


def _note_rule_class(source: str, sheet: _Sheet) -> str:
    """Rule class of a (序号, 项目名称, 备注, 项目代码) sheet: from its title “…”, else the file name."""
    quoted = re.search(r"[“\"](.+?)[”\"]", sheet.title)
    for candidate in (quoted.group(1) if quoted else "", sheet.title, PurePath(source).name):
        if tp.ITEM_COURSE in candidate or "疗程" in candidate:
            return tp.ITEM_COURSE
        if tp.ITEM_AGE in candidate or "年龄" in candidate:
            return tp.ITEM_AGE
    raise kb_error(
        source,
        f"无法确定规则类别：表头为 序号、项目名称、备注、项目代码 的工作表需在表名或文件名中注明"
        f"「{tp.ITEM_COURSE}」或「{tp.ITEM_AGE}」",
    )


def _note_rows(source: str, sheet: _Sheet, sheets: list[_Sheet]) -> list[XlsxRow]:
    rule_class = _note_rule_class(source, sheet)
    rows = []
    for row_no, (_seq, name, note, code) in sheet.records(ITEM_NOTE):
        if not _text(code):
            continue
        params = tp.params_from_text(rule_class, _text(note))
        codes = ((str(_text(code)), "item"),)
        rows.append(XlsxRow((rule_class,), rule_class, codes, _text(name), _text(note), params, row_no))
    return rows


_READERS: dict[str, Callable[[str, _Sheet, list[_Sheet]], list[XlsxRow]]] = {
    DRUG_ITEMS.name: _drug_rows,
    ITEM_GENDER.name: _item_gender_rows,
    ITEM_RANGE.name: _item_range_rows,
    ITEM_TARGET.name: _item_target_rows,
    PAIRS.name: _pair_rows,
    FREQUENCY.name: _frequency_rows,
    CYCLE.name: _cycle_rows,
    ITEM_NOTE.name: _note_rows,
}
