"""The install campaign's tables as (title, Chinese headers, rows): one definition for the console pages,
their xlsx exports and the command line, so all three always show the same columns (masked data only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qiandai.governance.installs import RankLine, UnitRate, percent, points
from qiandai.governance.models.installs import InstallTarget, RosterImport
from qiandai.governance.rosters import PROBLEM_HEADERS, ProblemLine, problem_rows
from qiandai.governance.spotcheck import CheckLine, Falsification
from qiandai.governance.targets import kind_label
from qiandai.governance.units import TreeNode, flatten


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: tuple[str, ...]
    rows: list[list[Any]]


def units_sheet(roots: list[TreeNode]) -> Sheet:
    rows = [
        [("　" * depth) + u.name, u.code, u.kind_label, u.level, u.parent_code or "", u.population, u.staff]
        for depth, u in flatten(roots)
    ]
    return Sheet("单位", ("单位", "编码", "类型", "层级", "上级编码", "人口", "职工数"), rows)


def rates_sheet(rates: list[UnitRate]) -> Sheet:
    rows = [
        [
            r.name,
            r.code,
            r.kind_label,
            r.level,
            r.base,
            r.installed,
            percent(r.rate),
            percent(r.target.rate, 0) if r.target.rate is not None else "—",
            r.target.due or "—",
            r.target.label,
        ]
        for r in rates
    ]
    return Sheet(
        "安装率",
        (
            "单位",
            "编码",
            "类型",
            "层级",
            "基数（人口/职工）",
            "已安装人数",
            "安装率",
            "目标",
            "目标期限",
            "达标情况",
        ),
        rows,
    )


def ranking_sheet(lines: list[RankLine], group_label: str) -> Sheet:
    rows = [
        [
            x.rank,
            x.name,
            x.code,
            x.kind_label,
            x.base,
            x.installed,
            percent(x.rate),
            percent(x.previous_rate),
            points(x.change),
            x.previous_rank if x.previous_rank is not None else "—",
            x.target.label,
        ]
        for x in lines
    ]
    return Sheet(
        f"排名-{group_label}"[:31],
        (
            "名次",
            "单位",
            "编码",
            "类型",
            "基数",
            "已安装",
            "安装率",
            "上周安装率",
            "周环比",
            "上周名次",
            "达标情况",
        ),
        rows,
    )


def problems_sheet(lines: list[ProblemLine]) -> Sheet:
    return Sheet("花名册问题清单", PROBLEM_HEADERS, problem_rows(lines))


def imports_sheet(batches: list[RosterImport], names: dict[str, str]) -> Sheet:
    rows = [
        [
            b.id,
            names.get(b.unit_code, b.unit_code),
            b.week,
            b.filename,
            b.rows_total,
            b.accepted,
            b.repeated,
            b.rejected,
            b.imported_by,
            b.imported_at,
        ]
        for b in batches
    ]
    return Sheet(
        "花名册导入记录",
        (
            "批次",
            "上报单位",
            "周次",
            "文件",
            "数据行",
            "新增安装",
            "重复上报",
            "未采用",
            "导入人",
            "导入时间",
        ),
        rows,
    )


def checks_sheet(lines: list[CheckLine]) -> Sheet:
    rows = [
        [
            c.id,
            c.week,
            c.draw_unit,
            c.unit_name,
            c.name_masked,
            c.phone_masked,
            c.install_date,
            c.result_label,
            c.checked_by or "",
            c.note,
        ]
        for c in lines
    ]
    return Sheet(
        "抽查清单",
        ("编号", "周次", "抽查单位", "所属单位", "姓名", "手机号", "安装日期", "抽查结果", "抽查人", "备注"),
        rows,
    )


def falsification_sheet(items: list[Falsification]) -> Sheet:
    rows = [
        [
            f.name,
            f.code,
            f.checked,
            f.installed,
            f.not_installed,
            f.unreachable,
            f.wrong_number,
            percent(f.rate),
        ]
        for f in items
    ]
    return Sheet(
        "虚报率",
        ("单位", "编码", "已抽查", "已安装", "未安装", "无法联系", "号码错误", "虚报率"),
        rows,
    )


def targets_sheet(targets: list[InstallTarget]) -> Sheet:
    rows = [
        [
            t.id,
            t.level if t.level is not None else "全部",
            kind_label(t.kind),
            percent(t.rate, 0),
            t.due,
            t.note,
        ]
        for t in targets
    ]
    return Sheet("安装目标", ("编号", "层级", "类型", "目标安装率", "期限", "说明"), rows)
