"""Reading the statistics spreadsheets (cases, publicity ledgers, person files, surveys): xlsx or CSV.

xlsx goes through :func:`qiandai.governance.units_sheet.read_sheet_records` (header found in the first
rows, merged two-row headers, any sheet that has the columns); CSV is read as UTF-8 (with or without
BOM) or, failing that, GB18030 — the encoding Excel on a Chinese Windows writes. Cell values are parsed
by the small functions here, each returning the value or a Chinese reason, so importers report every bad
cell by sheet, row and field and go on with the rest.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InputFileError
from qiandai.governance.models.stats_events import StatsEvent
from qiandai.governance.models.units import Unit
from qiandai.governance.units_sheet import clean_text, header_key, iter_nonblank, read_sheet_records
from qiandai.store.base import now_utc

Raw = tuple[str, int, dict[str, Any]]  # (sheet, 1-based row, field → raw cell)
_EXCEL_EPOCH = date(1899, 12, 30)
_UNIT_SUFFIXES = ("(元)", "(份)", "(人)", "(人次)", "(条)", "(块)", "(张)", "(次)", "(个)")


@dataclass(frozen=True)
class Problem:
    """A rejected row: where, which field (Chinese column name) and why (Chinese)."""

    sheet: str
    row: int
    field: str
    reason: str

    def as_text(self) -> str:
        return f"工作表“{self.sheet}”第 {self.row} 行【{self.field}】：{self.reason}"


def read_rows(
    path: Path, aliases: Mapping[str, tuple[str, ...]], required: tuple[str, ...], *, label: str
) -> list[Raw]:
    """Non-blank data rows of an xlsx or CSV file whose header has the ``required`` fields."""
    if not path.exists():
        raise InputFileError(str(path), "文件不存在")
    # a header may carry its unit: 损失金额（元）, 发放资料（份）; never 万元 (a different scale)
    aliases = {f: (*names, *(n + s for n in names for s in _UNIT_SUFFIXES)) for f, names in aliases.items()}
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        out: list[Raw] = []
        for records in read_sheet_records(path, aliases, required, label=label):
            out.extend((records.sheet, r, rec) for r, rec in iter_nonblank(records))
        return out
    if suffix == ".csv":
        return _read_csv(path, aliases, required, label)
    raise InputFileError(str(path), f"{label}：只支持 .xlsx 或 .csv 文件")


def _read_csv(
    path: Path, aliases: Mapping[str, tuple[str, ...]], required: tuple[str, ...], label: str
) -> list[Raw]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InputFileError(str(path), "无法识别文件编码（应为 UTF-8 或 GBK）")
    lines = list(csv.reader(io.StringIO(text)))
    for i, cells in enumerate(lines[:15]):
        columns: dict[str, int] = {}
        for idx, cell in enumerate(cells):
            key = header_key(cell)
            for f, names in aliases.items():
                if f not in columns and key in names:
                    columns[f] = idx
        if all(f in columns for f in required):
            out: list[Raw] = []
            for r, values in enumerate(lines[i + 1 :], start=i + 2):
                rec = {f: (values[c] if c < len(values) else None) for f, c in columns.items()}
                if any(clean_text(v) for v in rec.values()):
                    out.append((path.name, r, rec))
            return out
    wanted = "、".join(aliases[f][0] for f in required)
    raise InputFileError(str(path), f"{label}：前 15 行内找不到表头（需要列：{wanted}）")


def parse_date(value: Any) -> tuple[date | None, str | None]:
    """A date from a date cell, an Excel serial number, ``2026-11-03``, ``2026/11/3``, ``2026年11月3日``
    or ``20261103``. Returns ``(date, None)`` or ``(None, reason)``; blank is ``(None, "为空")``."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:
            return _EXCEL_EPOCH + timedelta(days=int(value)), None
        value = str(int(value))
    text = clean_text(value)
    if not text:
        return None, "为空"
    norm = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    norm = norm.split(" ")[0]
    try:
        if len(norm) == 8 and norm.isdigit():
            return date(int(norm[:4]), int(norm[4:6]), int(norm[6:])), None
        y, m, d = (int(x) for x in norm.split("-"))
        return date(y, m, d), None
    except ValueError:
        return None, f"“{text}”不是有效日期（应为 2026-11-03 等格式）"


def parse_money(value: Any) -> tuple[Decimal | None, str | None]:
    """A non-negative amount in yuan, at most two decimals; blank is 0 (``1,234.5``, ``１２元`` read)."""
    if value is None or (isinstance(value, str) and not clean_text(value)):
        return Decimal("0.00"), None
    text = (
        clean_text(value)
        .replace(",", "")
        .replace("，", "")
        .replace("元", "")
        .replace("¥", "")
        .replace("￥", "")
    )
    try:
        amount = Decimal(str(value) if isinstance(value, int | float | Decimal) else text)
    except InvalidOperation:
        return None, f"“{clean_text(value)}”不是金额"
    if isinstance(value, float):
        amount = amount.quantize(Decimal("0.01"))
    if amount < 0:
        return None, f"金额不能为负数（{amount}）"
    if amount != amount.quantize(Decimal("0.01")):
        return None, f"金额最多两位小数（{clean_text(value)}）"
    return amount.quantize(Decimal("0.01")), None


def parse_count(value: Any) -> tuple[int | None, str | None]:
    """A non-negative whole number; blank is 0. ``1,200``, ``30人``, ``５份`` accepted."""
    if value is None:
        return 0, None
    if isinstance(value, bool):
        return None, "不是整数"
    if isinstance(value, int):
        return (value, None) if value >= 0 else (None, f"不能为负数（{value}）")
    text = clean_text(value).replace(",", "")
    for unit in ("人次", "人", "份", "条", "块", "张", "次", "个"):
        text = text.removesuffix(unit)
    if not text:
        return 0, None
    try:
        number = float(text)
    except ValueError:
        return None, f"“{clean_text(value)}”不是整数"
    if not number.is_integer():
        return None, f"“{clean_text(value)}”不是整数"
    if number < 0:
        return None, f"不能为负数（{int(number)}）"
    return int(number), None


_YES = {"是", "已破", "已破案", "破案", "y", "yes", "true", "1", "√", "已侦破"}
_NO = {"否", "未破", "未破案", "n", "no", "false", "0", "", "×"}


def parse_flag(value: Any) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    text = clean_text(value).lower()
    if isinstance(value, int | float):
        text = str(int(value))
    if text in _YES:
        return True, None
    if text in _NO:
        return False, None
    return None, f"“{clean_text(value)}”应为 是/否"


def code_text(value: Any) -> str:
    """A code cell as text: ``330102001.0`` (a number cell) → ``330102001``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean_text(value)


def _tree_order(units: list[Unit]) -> list[Unit]:
    """Depth-first order (children by code under their parent), so lists read as the hierarchy."""
    known = {u.code for u in units}
    children: dict[str | None, list[Unit]] = {}
    for u in sorted(units, key=lambda u: u.code):
        parent = u.parent_code if u.parent_code in known else None
        children.setdefault(parent, []).append(u)
    out: list[Unit] = []
    stack = list(reversed(children.get(None, [])))
    seen: set[str] = set()
    while stack:
        u = stack.pop()
        if u.code in seen:
            continue
        seen.add(u.code)
        out.append(u)
        stack.extend(reversed(children.get(u.code, [])))
    out.extend(u for u in units if u.code not in seen)  # a cycle (refused by the importer) never drops a unit
    return out


class UnitIndex:
    """Every unit by code and by name, with the parent links, for resolving and rolling up."""

    def __init__(self, units: list[Unit], allowed: frozenset[str] | None = None) -> None:
        self.allowed = allowed  # codes rows may name (the caller's scope); None: every unit
        self.by_code = {u.code: u for u in _tree_order(units)}  # parents before their children
        self.by_name: dict[str, list[str]] = {}
        for u in units:
            self.by_name.setdefault(u.name, []).append(u.code)
        self.parent = {u.code: u.parent_code for u in units}

    @classmethod
    def load(cls, session: Session, allowed: frozenset[str] | None = None) -> UnitIndex:
        return cls(list(session.scalars(select(Unit).order_by(Unit.level, Unit.code))), allowed)

    def resolve(self, code: Any, name: Any = None) -> tuple[str | None, str | None]:
        """The unit code for a row's code and/or name cell, or a Chinese reason (unknown, ambiguous,
        or outside the caller's scope)."""
        found, why = self._resolve(code, name)
        if found is not None and self.allowed is not None and found not in self.allowed:
            return None, f"单位“{self.name(found)}”不在您的管辖范围内"
        return found, why

    def _resolve(self, code: Any, name: Any) -> tuple[str | None, str | None]:
        c = code_text(code)
        n = clean_text(name)
        if c:
            if c in self.by_code:
                return c, None
            return None, f"单位编码“{c}”不存在"
        if n:
            if n in self.by_code:  # a code typed in the unit column
                return n, None
            found = self.by_name.get(n, [])
            if len(found) == 1:
                return found[0], None
            if not found:
                return None, f"单位“{n}”不存在"
            return None, f"单位名称“{n}”对应多个单位，请填写单位编码"
        return None, "单位为空"

    def chain(self, code: str) -> list[str]:
        """``code`` and all its ancestors, nearest first."""
        out: list[str] = []
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current in self.by_code and current not in seen:
            out.append(current)
            seen.add(current)
            current = self.parent.get(current)
        return out

    def rollup(self, values: Mapping[str, Sequence[Decimal | int]]) -> dict[str, list[Decimal | int]]:
        """Per-unit sums of each unit's own values plus all its descendants' (same-length tuples)."""
        out: dict[str, list[Decimal | int]] = {}
        for code, vals in values.items():
            for target in self.chain(code):
                acc = out.setdefault(target, [0] * len(vals))
                for i, v in enumerate(vals):
                    acc[i] = acc[i] + v
        return out

    def subtree(self, code: str) -> set[str]:
        return {c for c in self.by_code if code in self.chain(c)}

    def name(self, code: str) -> str:
        u = self.by_code.get(code)
        return u.name if u else code


def log_event(
    session: Session,
    by_user: str,
    subject_type: str,
    subject_id: str | int,
    action: str,
    *,
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row to ``gov_stats_event`` in the caller's unit of work."""
    session.add(
        StatsEvent(
            subject_type=subject_type,
            subject_id=str(subject_id),
            action=action,
            by_user=by_user,
            at=now_utc(),
            note=note,
            detail=detail or {},
        )
    )


def rows_by_keys(session: Session, column: Any, keys: Sequence[str], size: int = 500) -> list[Any]:
    """ORM rows whose ``column`` is in ``keys``, queried in chunks (databases cap bound parameters)."""
    entity = column.class_
    out: list[Any] = []
    unique = sorted(set(keys))
    for i in range(0, len(unique), size):
        out.extend(session.scalars(select(entity).where(column.in_(unique[i : i + size]))))
    return out
