"""Regenerate ``county.xlsx``, the shared fixture county of the governance tests (see README.md).

Run: ``.venv/bin/python tests/governance/data/make_county.py``. The file is committed; this script is
the source of truth for its content.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent

# code, name, kind (Chinese label), parent code, population, staff
UNITS: list[tuple[str, str, str, str | None, int, int]] = [
    ("C01", "清河县", "县（区）", None, 0, 0),
    ("T01", "东城镇", "乡镇", "C01", 0, 0),
    ("T02", "西山乡", "乡镇", "C01", 0, 0),
    ("S01", "南关街道", "街道", "C01", 0, 0),
    ("V0101", "东城镇柳树村", "村", "T01", 1000, 0),
    ("V0102", "东城镇杨庄村", "村", "T01", 500, 0),
    ("R0103", "东城镇新华社区", "社区", "T01", 2000, 0),
    ("V0201", "西山乡石门村", "村", "T02", 800, 0),
    ("V0202", "西山乡桃园村", "村", "T02", 400, 0),
    ("R0301", "南关街道朝阳社区", "社区", "S01", 3000, 0),
    ("D01", "县教育局", "部门", "C01", 0, 50),
    ("H01", "县人民医院", "医院", "C01", 0, 200),
    ("X0101", "东城镇中心小学", "学校", "T01", 0, 40),
    ("E0301", "南关纺织有限公司", "企业", "S01", 0, 120),
]


def build(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(["清河县反诈单位名册（2026年11月）"])
    ws.merge_cells("A1:F1")
    ws.append(["单位编码", "单位名称", "类型", "上级编码", "人口", "职工数"])
    for row in UNITS:
        ws.append(list(row))
    wb.save(path)


if __name__ == "__main__":
    build(HERE / "county.xlsx")
    print(HERE / "county.xlsx")
