"""`qiandai governance cases|fraudfree|publicity|persons|report`: case statistics, the fraud-free
evaluation, the publicity ledger and surveys, high-risk person files and reduction campaigns, and the
weekly/monthly circulars. Commands run as the operator (global scope) against ``QIANDAI_DATABASE_URL``,
migrated first; imports print every rejected row with its sheet, row, field and reason.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qiandai.cli.common import console, user_errors

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

cases_app = typer.Typer(no_args_is_help=True)
fraudfree_app = typer.Typer(no_args_is_help=True)
publicity_app = typer.Typer(no_args_is_help=True)
persons_app = typer.Typer(no_args_is_help=True)
OPERATOR = "operator"


def _factory() -> sessionmaker[Session]:
    from qiandai.store.database import make_engine, session_factory
    from qiandai.store.migrate import upgrade

    upgrade()
    return session_factory(make_engine())


def _print(data: object) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _report(summary: str, report: dict[str, Any]) -> None:
    console.print(summary)
    for line in report.get("problems", []):
        console.print(f"  [red]拒收[/] {line}", soft_wrap=True)


def _date(value: str, what: str) -> date:
    from qiandai.domain.errors import InvalidInputError

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInputError(f"{what}“{value}”不是有效日期（应为 2026-11-20）") from None


# ---------------------------------------------------------------- cases


@cases_app.command("import")
def cases_import(file: Annotated[Path, typer.Argument(help="案件表（xlsx 或 csv）")]) -> None:
    """导入案件（按案件编号去重；坏行逐行报告）。"""
    from qiandai.governance import cases
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        report = cases.import_cases(session, file, OPERATOR)
        _report(report.summary(), report.as_dict())


@cases_app.command("import-transfers")
def cases_import_transfers() -> None:
    """把预警劝阻中结果为“已被骗”的预警导入为案件（YJ-编号）。"""
    from qiandai.governance import cases
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        report = cases.import_from_transfers(session, OPERATOR)
        _report(report.summary(), report.as_dict())


@cases_app.command("import-texts")
def cases_import_texts(unit: Annotated[str, typer.Option("--unit", help="案件归属单位编码")]) -> None:
    """把文本研判中已复核的案件导入为案件（WB-编号；无损失金额）。"""
    from qiandai.governance import cases
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        report = cases.import_from_texts(session, unit, OPERATOR)
        _report(report.summary(), report.as_dict())


@cases_app.command("stats")
def cases_stats(
    period: Annotated[str, typer.Option("--period", help="2026-W47 / 2026-11 / 2026-H2 / 2026")],
    by: Annotated[str, typer.Option("--by", help="unit（按单位）或 type（按类型）")] = "unit",
) -> None:
    """按单位（逐级汇总）或类型统计发案数、损失，含环比、同比。"""
    from qiandai.governance import cases, periods
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        p = periods.parse(period)
        figs = cases.unit_figures(session, p) if by == "unit" else cases.type_figures(session, p)
        _print([f.as_dict() for f in figs])


@cases_app.command("target")
def cases_target(
    code: Annotated[str, typer.Argument(help="目标编码，如 H10")],
    label: Annotated[str, typer.Option("--label", help="目标名称")],
    change: Annotated[float, typer.Option("--change", help="变化率上限（%），下降 10% 填 -10")],
    metric: Annotated[str, typer.Option("--metric", help="cases（案件数）或 loss（损失金额）")] = "cases",
    period_kind: Annotated[str, typer.Option("--period-kind", help="half / year / month")] = "half",
) -> None:
    """设置考核目标（如案件数半年环比下降 10%）。"""
    from qiandai.governance import cases
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        t = cases.put_target(session, code, label, metric, period_kind, Decimal(str(change)), OPERATOR)
        console.print(f"已保存目标 {t.code}：{t.label}")


@cases_app.command("check-target")
def cases_check_target(
    code: Annotated[str, typer.Argument(help="目标编码")],
    period: Annotated[str, typer.Option("--period", help="与目标周期类型一致，如 2026-H2")],
) -> None:
    """逐单位判断是否达到考核目标。"""
    from qiandai.governance import cases, periods
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        target = cases.get_target(session, code)
        rows = cases.evaluate_target(session, target, periods.parse(period))
        _print(
            [
                {
                    "unit": r.unit_code,
                    "name": r.unit_name,
                    "current": r.current,
                    "base": r.base,
                    "change_pct": r.change,
                    "meets": r.meets,
                }
                for r in rows
            ]
        )


# ---------------------------------------------------------------- fraud-free


@fraudfree_app.command("draft")
def ff_draft(year: Annotated[int, typer.Option("--year")]) -> None:
    """计算并生成（刷新）无诈村/无诈单位评价草稿。"""
    from qiandai.governance import fraudfree
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        c = fraudfree.build_draft(session, year, OPERATOR)
        console.print(
            f"新增 {c['created']} 个，刷新 {c['refreshed']} 个，"
            f"已审核保留 {c['kept']} 个；达标 {c['passed']} 个"
        )


@fraudfree_app.command("list")
def ff_list(year: Annotated[int, typer.Option("--year")]) -> None:
    """列出评价结果与每项标准的依据。"""
    from qiandai.governance import fraudfree
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        _print(
            [
                {
                    "unit": r.unit_code,
                    "category": fraudfree.CATEGORY_LABELS[r.category],
                    "passed": r.passed,
                    "status": fraudfree.STATUS_LABELS[r.status],
                    "note": r.note,
                    "evidence": r.evidence,
                }
                for r in fraudfree.rows(session, year)
            ]
        )


@fraudfree_app.command("review")
def ff_review(
    unit: Annotated[str, typer.Argument(help="单位编码")],
    year: Annotated[int, typer.Option("--year")],
    accept: Annotated[bool, typer.Option("--accept/--reject", help="通过或不通过")],
    note: Annotated[str, typer.Option("--note", help="审核意见（不通过时必填）")] = "",
) -> None:
    """审核一个单位的评价。"""
    from qiandai.governance import fraudfree
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        row = fraudfree.review(session, year, unit, accept, note, OPERATOR)
        console.print(f"{unit}：{fraudfree.STATUS_LABELS[row.status]}")


@fraudfree_app.command("publish")
def ff_publish(year: Annotated[int, typer.Option("--year")]) -> None:
    """公布审核通过的名单（须先审核全部达标单位）。"""
    from qiandai.governance import fraudfree
    from qiandai.governance.cases_io import UnitIndex
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        rows = fraudfree.publish(session, year, OPERATOR)
        units = UnitIndex.load(session)
        console.print(f"{year}年无诈村（社区）/无诈单位名单（{len(rows)} 个）：")
        for r in rows:
            console.print(
                f"  {fraudfree.CATEGORY_LABELS[r.category]}　{units.name(r.unit_code)}（{r.unit_code}）"
            )


@fraudfree_app.command("den")
def ff_den(
    unit: Annotated[str, typer.Argument(help="单位编码")],
    found_on: Annotated[str, typer.Option("--date", help="发现日期")],
    description: Annotated[str, typer.Option("--desc", help="情况说明")],
) -> None:
    """登记发现的涉诈窝点。"""
    from qiandai.governance import fraudfree
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        den = fraudfree.record_den(session, unit, _date(found_on, "发现日期"), description, OPERATOR)
        console.print(f"已登记窝点 #{den.id}")


# ---------------------------------------------------------------- publicity


@publicity_app.command("import")
def pub_import(file: Annotated[Path, typer.Argument(help="宣传台账（xlsx 或 csv）")]) -> None:
    """导入宣传台账（重复导入不重复计数）。"""
    from qiandai.governance import publicity
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        r = publicity.import_events(session, file, OPERATOR)
        _report(
            f"新增 {r.created} 次，更新 {r.updated} 次，未变 {r.unchanged} 次，拒收 {r.rejected} 行",
            r.as_dict(),
        )


@publicity_app.command("coverage")
def pub_coverage(period: Annotated[str, typer.Option("--period")]) -> None:
    """各单位宣传覆盖情况（逐级汇总）。"""
    from qiandai.governance import periods, publicity
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        rows = publicity.coverage(session, periods.parse(period))
        _print(
            [
                {"unit": c.unit_code, "name": c.unit_name, "events": c.events, "people": c.people}
                | {"leaflets": c.leaflets, "reach_pct": c.reach_pct, "by_kind": c.by_kind}
                for c in rows
            ]
        )


@publicity_app.command("survey")
def pub_survey(
    code: Annotated[str, typer.Argument(help="调查编码")],
    title: Annotated[str, typer.Option("--title")],
    held_on: Annotated[str, typer.Option("--date")],
    questions: Annotated[int, typer.Option("--questions", help="每人题目数")],
    results: Annotated[
        Path | None, typer.Option("--results", help="各单位结果表（单位编码、调查人数、答对题数）")
    ] = None,
) -> None:
    """登记知晓率调查并导入各单位结果，输出知晓率。"""
    from qiandai.governance import publicity
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        survey = publicity.create_survey(
            session, code, title, _date(held_on, "调查日期"), questions, OPERATOR
        )
        if results is not None:
            r = publicity.import_results(session, survey, results, OPERATOR)
            _report(f"保存 {r['saved']} 个单位，拒收 {r['rejected']} 行", r)
        for a in publicity.awareness(session, survey):
            console.print(
                f"{a.unit_name}：知晓率 {a.rate if a.rate is not None else '—'}%（{a.respondents} 人）"
            )


# ---------------------------------------------------------------- persons


@persons_app.command("import")
def persons_import(file: Annotated[Path, typer.Argument(help="重点人员表（xlsx 或 csv）")]) -> None:
    """导入重点人员档案（一人一档；身份证号、手机号脱敏显示）。"""
    from qiandai.governance import persons
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        r = persons.import_persons(session, file, OPERATOR)
        _report(
            f"新增 {r.created} 份，更新 {r.updated} 份，未变 {r.unchanged} 份，拒收 {r.rejected} 行",
            r.as_dict(),
        )


@persons_app.command("list")
def persons_list(category: Annotated[str | None, typer.Option("--category")] = None) -> None:
    """列出档案（脱敏）。"""
    from qiandai.governance import persons
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        _print(
            [
                {
                    "file_no": p.file_no,
                    "category": p.category,
                    "name": p.name_masked,
                    "id_number": p.id_masked,
                    "phone": p.phone_masked,
                    "unit": p.unit_code,
                    "officer": p.officer,
                    "reduced_on": p.reduced_on,
                }
                for p in persons.persons(session, None, category=category)
            ]
        )


@persons_app.command("reduce")
def persons_reduce(
    file_no: Annotated[str, typer.Argument(help="档案编号")],
    on: Annotated[str, typer.Option("--date", help="核减日期")],
    note: Annotated[str, typer.Option("--note", help="核减理由")],
) -> None:
    """核减一份档案。"""
    from qiandai.governance import persons
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        p = persons.reduce(
            session, persons.get_person(session, file_no, None), _date(on, "核减日期"), note, OPERATOR
        )
        console.print(f"{p.file_no} 已于 {p.reduced_on} 核减")


@persons_app.command("campaign")
def persons_campaign(
    name: Annotated[str, typer.Argument(help="核减任务名称")],
    unit: Annotated[str, typer.Option("--unit")],
    pct: Annotated[int, typer.Option("--pct", help="目标核减比例（%）")],
    start: Annotated[str, typer.Option("--start")],
    due: Annotated[str, typer.Option("--due")],
    category: Annotated[str | None, typer.Option("--category")] = None,
) -> None:
    """创建核减任务（纳入开始日在档的人员）。"""
    from qiandai.governance import persons
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        c = persons.create_campaign(
            session,
            name,
            unit,
            pct,
            _date(start, "开始日期"),
            _date(due, "完成期限"),
            OPERATOR,
            category=category,
        )
        p = persons.progress(session, c)
        console.print(f"已创建核减任务 #{c.id}：纳入 {p.total.enrolled} 人，须核减 {p.total.target} 人")


@persons_app.command("progress")
def persons_progress(
    campaign_id: Annotated[int, typer.Argument(help="核减任务编号")],
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
) -> None:
    """核减进度：各单位纳入、已核减、核减率、是否达标，及逐日累计。"""
    from qiandai.governance import persons
    from qiandai.store.database import unit_of_work

    with user_errors(), unit_of_work(_factory()) as session:
        c = persons.get_campaign(session, campaign_id)
        p = persons.progress(session, c, _date(as_of, "截至日期") if as_of else None)
        for u in p.units:
            mark = "达标" if u.meets else "未达标"
            console.print(
                f"{'  ' * (u.level - 1)}{u.unit_name}：纳入 {u.enrolled}，"
                f"已核减 {u.reduced}（{u.pct}%），{mark}"
            )
        console.print("逐日累计：" + "，".join(f"{d:%m-%d} {n}" for d, n in p.daily))


# ---------------------------------------------------------------- circulars


def report(
    out: Annotated[Path, typer.Option("--out", help="输出目录")],
    week: Annotated[str | None, typer.Option("--week", help="周，如 2026-W47")] = None,
    month: Annotated[str | None, typer.Option("--month", help="月，如 2026-11")] = None,
    level: Annotated[str, typer.Option("--level", help="township / village / unit")] = "township",
    unit: Annotated[str | None, typer.Option("--unit", help="通报单位编码（默认县）")] = None,
) -> None:
    """生成周通报或月通报（xlsx + PDF）。"""
    from qiandai.domain.errors import InvalidInputError
    from qiandai.governance import circulars, periods
    from qiandai.identity.principal import SYSTEM
    from qiandai.store.database import unit_of_work

    with user_errors():
        if (week is None) == (month is None):
            raise InvalidInputError("请指定 --week 或 --month 之一")
        period = periods.parse(week or month or "")
        if (week and period.kind != periods.WEEK) or (month and period.kind != periods.MONTH):
            raise InvalidInputError(f"周期 {week or month} 与选项不符（--week 2026-W47 / --month 2026-11）")
        with unit_of_work(_factory()) as session:
            c = circulars.build(session, SYSTEM, period, level, root=unit)
        for path in circulars.write(c, out):
            console.print(f"已生成 {path}")
