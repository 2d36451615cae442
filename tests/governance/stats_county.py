"""Helpers of the governance statistics tests: the shared county loaded into a migrated database,
spreadsheets written on the fly (xlsx with openpyxl, CSV), a fixed "today"."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from qiandai.governance.units import import_units_xlsx
from qiandai.store.database import make_engine, session_factory, unit_of_work

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 23)


def county_factory(database_url: str) -> sessionmaker[Session]:
    """A session factory on ``database_url`` with the fixture county loaded."""
    factory = session_factory(make_engine(database_url))
    with unit_of_work(factory) as session:
        report = import_units_xlsx(session, DATA / "county.xlsx")
        assert not report.problems
    return factory


def write_xlsx(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None
) -> Path:
    """A sheet with an optional merged title row above the header (as county staff make them)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "数据"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
