"""`qiandai governance units …` and `qiandai governance installs …`: the unit hierarchy and the anti-fraud
app install campaign (rosters, rates, targets, rankings, spot checks).

Commands run as the operator (global scope) against ``QIANDAI_DATABASE_URL``, migrated first. Every
table can be written to xlsx with ``--out``; personal data is masked everywhere.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable

from qiandai.cli.common import console, user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from qiandai.governance.installs_tables import Sheet

units_app = typer.Typer(no_args_is_help=True, help="单位：导入层级、查看树、为用户指定单位")
installs_app = typer.Typer(no_args_is_help=True, help="国家反诈App推广：花名册导入、安装率、目标、排名、抽查")


def _factory() -> sessionmaker[Session]:
    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade

    upgrade()
    return session_factory(make_engine())


def _week(value: str | None) -> date | None:
    from qiandai.governance.rosters import check_week

    return check_week(value) if value else None


def _show(sheet: Sheet, out: Path | None, limit: int = 200) -> None:
    if out is not None:
        from qiandai.web.exports import Table, xlsx_bytes

        out.write_bytes(xlsx_bytes(Table(sheet.title, sheet.headers, sheet.rows)))
        console.print(f"已导出 {len(sheet.rows)} 行：{out}")
        return
    table = RichTable(title=sheet.title)
    for h in sheet.headers:
        table.add_column(h)
    for row in sheet.rows[:limit]:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    if len(sheet.rows) > limit:
        console.print(f"（共 {len(sheet.rows)} 行，仅显示前 {limit} 行；用 --out 导出全部）")


OutOption = Annotated[Path | None, typer.Option("--out", help="导出为 xlsx 文件")]
WeekOption = Annotated[
    str | None, typer.Option("--week", help="周次：该周任一天的日期，如 2026-11-16（默认本周）")
]


@units_app.command("import")
def units_import(
    file: Annotated[
        Path, typer.Argument(help="单位表 xlsx（单位编码、单位名称、类型、上级编码、人口、职工数）")
    ],
) -> None:
    """导入单位层级；重复导入只更新有变化的单位并列出变化，问题行逐行报告。"""
    from qiandai.governance.units import import_units_xlsx
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        report = import_units_xlsx(session, file)
    console.print(
        f"新增 {len(report.created)} 个，更新 {len(report.updated)} 个，未变 {report.unchanged} 个，"
        f"问题行 {report.rejected} 行"
    )
    for line in report.changes:
        console.print(f"  变更：{line}")
    for p in report.problems:
        console.print(f"  [red]{p.as_text()}[/]")
    if report.problems:
        raise typer.Exit(code=1)


@units_app.command("tree")
def units_tree(
    unit: Annotated[str | None, typer.Option("--unit", help="只显示该单位及下级")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    out: OutOption = None,
) -> None:
    """显示单位树（人口、职工数）。"""
    from qiandai.governance.installs_tables import units_sheet
    from qiandai.governance.units import tree
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        roots = tree(session, SYSTEM)
        if unit is not None:
            from qiandai.governance.units import get_unit

            get_unit(session, unit)
            found = []
            stack = list(roots)
            while stack:
                node = stack.pop()
                if node.unit.code == unit:
                    found.append(node)
                    break
                stack.extend(node.children)
            roots = found
        if as_json:
            console.print_json(json.dumps([r.as_dict() for r in roots], ensure_ascii=False))
            return
        _show(units_sheet(roots), out)


@units_app.command("assign-user")
def units_assign_user(
    user: Annotated[str, typer.Argument(help="用户名")],
    unit: Annotated[str, typer.Argument(help="单位编码")],
) -> None:
    """指定用户所属单位：该用户只能看到本单位及下级单位的数据（管理员、领导看全部）。"""
    from qiandai.governance.units import assign_user, get_unit
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        assign_user(session, user, unit)
        name = get_unit(session, unit).name
    console.print(f"用户 {user} 已指定到单位 {unit} {name}")


@installs_app.command("import")
def installs_import(
    file: Annotated[Path, typer.Argument(help="花名册 xlsx（姓名、身份证号、手机号、单位、安装日期）")],
    unit: Annotated[str, typer.Option("--unit", help="上报单位编码")],
    week: WeekOption = None,
    problems: Annotated[Path | None, typer.Option("--problems", help="问题清单导出为 xlsx")] = None,
) -> None:
    """导入一周的花名册：可读的行计入，重复上报不重复计数，问题行逐行报告；同一文件重复导入不改变数据。"""
    from qiandai.governance.installs_tables import problems_sheet
    from qiandai.governance.rosters import import_roster_xlsx, problem_lines
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors():
        factory = _factory()
        with unit_of_work(factory) as session:
            report = import_roster_xlsx(session, SYSTEM, unit, file, week=_week(week))
        console.print(report.summary())
        for p, severity in report.problems:
            colour = "yellow" if severity == "repeated" else "red"
            console.print(f"  [{colour}]{p.as_text()}[/]")
        if problems is not None:
            with unit_of_work(factory) as session:
                lines = problem_lines(session, SYSTEM, import_id=report.import_id)
            _show(problems_sheet(lines), problems)


@installs_app.command("problems")
def installs_problems(
    unit: Annotated[str | None, typer.Option("--unit", help="单位编码（含下级）")] = None,
    week: WeekOption = None,
    out: OutOption = None,
) -> None:
    """按单位列出花名册问题清单（可导出 xlsx）。"""
    from qiandai.governance.installs_tables import problems_sheet
    from qiandai.governance.rosters import problem_lines
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        lines = problem_lines(session, SYSTEM, unit_code=unit, week=_week(week))
    _show(problems_sheet(lines), out)


@installs_app.command("rate")
def installs_rate(
    week: WeekOption = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只显示该单位及下级")] = None,
    out: OutOption = None,
) -> None:
    """各单位安装率（逐级汇总）及目标达标情况。"""
    from qiandai.governance.installs import unit_rates
    from qiandai.governance.installs_tables import rates_sheet
    from qiandai.governance.units import descendants
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        rates = unit_rates(session, SYSTEM, week=_week(week))
        if unit is not None:
            keep = descendants(session, unit)
            rates = [r for r in rates if r.code in keep]
    _show(rates_sheet(rates), out)


@installs_app.command("ranking")
def installs_ranking(
    level: Annotated[str, typer.Option("--level", help="2=乡镇（街道），3=村（社区），org=单位")] = "3",
    week: WeekOption = None,
    out: OutOption = None,
) -> None:
    """周排名：同一层级按安装率排序，含周环比和上周名次。"""
    from qiandai.governance.installs import ranking, ranking_groups
    from qiandai.governance.installs_tables import ranking_sheet
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        lines = ranking(session, SYSTEM, group=level, week=_week(week))
        label = dict(ranking_groups(session, SYSTEM)).get(level, level)
    _show(ranking_sheet(lines, label), out)


@installs_app.command("target-set")
def installs_target_set(
    rate: Annotated[str, typer.Option("--rate", help="目标安装率，如 30% 或 0.3")],
    due: Annotated[str, typer.Option("--due", help="期限，如 2026-12-31")],
    level: Annotated[
        int | None, typer.Option("--level", help="层级（1 县，2 乡镇街道，3 村社区）；不填为全部")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="类型：村、社区、学校…，或 area（辖区）/ org（单位）")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="说明")] = "",
) -> None:
    """设置（或修改）某层级/类型在某日期前应达到的安装率。"""
    from qiandai.domain.errors import InvalidInputError
    from qiandai.governance.targets import parse_rate, parse_target_kind, set_target
    from qiandai.store.database import unit_of_work

    with user_errors():
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            raise InvalidInputError(f"期限应为日期（如 2026-12-31）：{due}") from None
        with unit_of_work(_factory()) as session:
            row = set_target(
                session,
                level=level,
                kind=parse_target_kind(kind),
                rate=parse_rate(rate),
                due=due_date,
                note=note,
            )
            console.print(f"目标 {row.id} 已保存：{row.rate:.0%}，期限 {row.due.isoformat()}")


@installs_app.command("targets")
def installs_targets(out: OutOption = None) -> None:
    """列出安装率目标。"""
    from qiandai.governance.installs_tables import targets_sheet
    from qiandai.governance.targets import list_targets
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        _show(targets_sheet(list_targets(session)), out)


@installs_app.command("spotcheck-draw")
def installs_spotcheck_draw(
    unit: Annotated[str, typer.Option("--unit", help="抽查单位编码（从其及下级单位的已报安装中抽取）")],
    size: Annotated[int, typer.Option("--size", help="抽取人数")] = 20,
    week: WeekOption = None,
    out: OutOption = None,
) -> None:
    """按周次和单位可复现地随机抽取已报安装人员，用于电话抽查；同一周同一单位重复执行返回同一名单。"""
    from qiandai.governance.installs_tables import checks_sheet
    from qiandai.governance.rosters import week_of
    from qiandai.governance.spotcheck import checks, draw
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        the_week = _week(week) or week_of(date.today())
        drawn = draw(session, SYSTEM, unit_code=unit, week=the_week, size=size)
        lines = checks(session, SYSTEM, week=the_week, unit_code=unit)
    console.print(f"抽取 {len(drawn)} 人（种子：{the_week.isoformat()}|{unit}）")
    _show(checks_sheet(lines), out)


@installs_app.command("spotcheck-record")
def installs_spotcheck_record(
    check_id: Annotated[int, typer.Argument(help="抽查编号")],
    result: Annotated[str, typer.Argument(help="已安装 / 未安装 / 无法联系 / 号码错误")],
    note: Annotated[str, typer.Option("--note", help="备注")] = "",
) -> None:
    """登记一次电话抽查结果。"""
    from qiandai.governance.models import SpotResult
    from qiandai.governance.spotcheck import record
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        row = record(session, SYSTEM, check_id, result, note=note)
        console.print(f"抽查 {row.id}：{SpotResult(row.result).label if row.result else ''}")


@installs_app.command("falsification")
def installs_falsification(week: WeekOption = None, out: OutOption = None) -> None:
    """各单位虚报率：（未安装 + 号码错误）/（已安装 + 未安装 + 号码错误），无法联系不计入。"""
    from qiandai.governance.installs_tables import falsification_sheet
    from qiandai.governance.spotcheck import falsification
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        items = falsification(session, SYSTEM, week=_week(week))
    _show(falsification_sheet(items), out)
