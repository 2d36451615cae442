"""Reading the county's spreadsheets: find the header row, normalise cell text.

County staff build these sheets by hand, so the header is not always on row 1, header cells are merged
across two rows, digits are typed full-width (``１２３``) and cells carry stray spaces. The helpers here
turn such a sheet into ``(row_number, {field: value})`` records for the unit and roster importers; they
never guess a value, they only normalise its spelling.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from qiandai.domain.errors import InputFileError

HEADER_SCAN_ROWS = 15


def clean_text(value: Any) -> str:
    """Text of a cell: NFKC (full-width digits and letters → ASCII), inner/outer whitespace stripped."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return text.replace("\u3000", " ").strip()


def header_key(value: Any) -> str:
    """A header cell reduced for matching: no spaces, no line breaks, no ``*`` / ``（必填）`` marks."""
    text = clean_text(value)
    for mark in (" ", "\n", "\r", "\t", "*", "＊", "(必填)", "(选填)", ":"):
        text = text.replace(mark, "")
    return text.lower()


@dataclass(frozen=True)
class SheetRecords:
    sheet: str
    header_row: int  # 1-based row of the (last) header line
    columns: dict[str, int]  # field → 0-based column index
    rows: list[tuple[int, dict[str, Any]]]  # (1-based sheet row, field → raw cell value)


def _unmerged_values(ws: Worksheet, max_rows: int) -> list[list[Any]]:
    """The first ``max_rows`` rows with merged header cells filled with the merged value."""
    grid: list[list[Any]] = [list(r) for r in ws.iter_rows(min_row=1, max_row=max_rows, values_only=True)]
    for merged in ws.merged_cells.ranges:
        if merged.min_row > max_rows:
            continue
        value = ws.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, min(merged.max_row, max_rows) + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                while len(grid) < r:
                    grid.append([])
                row = grid[r - 1]
                while len(row) < c:
                    row.append(None)
                row[c - 1] = value
    return grid


def _match_header(cells: Iterable[Any], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for idx, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue
        for field, names in aliases.items():
            if field not in found and key in names:
                found[field] = idx
    return found


def read_sheet_records(
    path: Path,
    aliases: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    label: str,
) -> list[SheetRecords]:
    """Records of every sheet of ``path`` that has a header with the ``required`` fields.

    ``aliases`` maps a field to the header spellings accepted for it (already in :func:`header_key`
    form). A header split over two merged rows (``身份信息`` above ``姓名 | 身份证号``) is read from the
    lower row, the merged cell's value filling its span. Raises :class:`InputFileError` (Chinese) when
    the file cannot be opened or no sheet has the required columns.
    """
    try:
        wb = load_workbook(path, read_only=False, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise InputFileError(str(path), f"无法读取 xlsx 文件（{type(exc).__name__}）") from None
    out: list[SheetRecords] = []
    for ws in wb.worksheets:
        grid = _unmerged_values(ws, HEADER_SCAN_ROWS)
        header_row = 0
        columns: dict[str, int] = {}
        for i, cells in enumerate(grid, start=1):
            found = _match_header(cells, aliases)
            if all(f in found for f in required):
                header_row, columns = i, found
                # a two-row merged header: the next row may refine the columns
                if i < len(grid):
                    below = _match_header(grid[i], aliases)
                    if all(f in below for f in required):
                        header_row, columns = i + 1, below
                break
        if not header_row:
            continue
        rows: list[tuple[int, dict[str, Any]]] = []
        for r, values in enumerate(
            ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1
        ):
            record = {f: (values[c] if c < len(values) else None) for f, c in columns.items()}
            rows.append((r, record))
        out.append(SheetRecords(sheet=ws.title, header_row=header_row, columns=columns, rows=rows))
    if not out:
        wanted = "、".join(aliases[f][0] for f in required)
        raise InputFileError(str(path), f"{label}：前 {HEADER_SCAN_ROWS} 行内找不到表头（需要列：{wanted}）")
    return out


def is_blank(record: Mapping[str, Any]) -> bool:
    return all(clean_text(v) == "" for v in record.values())


def iter_nonblank(records: SheetRecords) -> Iterator[tuple[int, dict[str, Any]]]:
    for row_no, record in records.rows:
        if not is_blank(record):
            yield row_no, record
