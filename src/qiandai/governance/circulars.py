"""Weekly and monthly circulars (通报) per level: the figures, gathered once, then written as xlsx
(:mod:`qiandai.governance.circulars_xlsx`) and PDF (:mod:`qiandai.governance.circulars_pdf`).

A circular covers one root unit (the caller's unit, or the county for a global caller) and lists the
units of one *level* below it: ``township`` (townships and streets), ``village`` (villages and
communities) or ``unit`` (departments, schools, hospitals, companies). Its sections:

1. 概况 — the root's cases and losses with 环比/同比, install rate, publicity, persons under management;
2. 安装率排名 — the anti-fraud app install ranking of the level for the circular's week (the last ISO
   week of a month for a monthly circular), from :func:`qiandai.governance.installs.ranking`;
3. 案件统计 — cases and losses per unit with 环比/同比; 4. 案件类型 — per fraud type;
5. 宣传 — publicity coverage per unit; 6. 重点人员 — person files per unit and the open reduction
   campaigns' progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.governance import cases, periods, persons, publicity
from qiandai.governance.cases_io import UnitIndex
from qiandai.governance.models.persons import PersonFile
from qiandai.governance.models.units import Unit, UnitKind
from qiandai.governance.periods import Period
from qiandai.identity.principal import Principal

LEVELS = {"township": "乡镇（街道）", "village": "村（社区）", "unit": "单位"}
_AREA_LEVEL = {
    "township": {UnitKind.TOWNSHIP.value, UnitKind.STREET.value},
    "village": {UnitKind.VILLAGE.value, UnitKind.COMMUNITY.value},
}


@dataclass
class Section:
    """One table of the circular: a sheet in xlsx, a table in PDF (``money``/``pct`` mark columns)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    money: frozenset[int] = frozenset()
    note: str = ""


@dataclass
class Chart:
    title: str
    labels: list[str]
    values: list[float]
    unit: str  # "%" | "起" | "元"


@dataclass
class Circular:
    title: str
    kind: str  # week | month
    period: Period
    level: str
    root_code: str
    root_name: str
    summary: list[str]
    sections: list[Section] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    unit_names: list[str] = field(default_factory=list)

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def file_stem(self) -> str:
        kind = "周" if self.kind == "week" else "月"
        return f"{self.root_name}-{kind}通报-{self.period.code}-{LEVELS[self.level]}"


def _members(units: UnitIndex, root: str, level: str) -> list[Unit]:
    subtree = units.subtree(root)
    out = []
    for code in sorted(subtree, key=lambda c: (units.by_code[c].level, c)):
        u = units.by_code[code]
        if level == "unit":
            if not UnitKind(u.kind).is_area:
                out.append(u)
        elif u.kind in _AREA_LEVEL[level]:
            out.append(u)
    return out


def _root(session: Session, principal: Principal, scope: frozenset[str], root: str | None) -> str:
    units = UnitIndex.load(session)
    if root is not None:
        if root not in units.by_code or root not in scope:
            raise NotFoundError(f"单位 {root} 不存在或不在您的管辖范围内")
        return root
    tops = [c for c in scope if units.parent.get(c) not in scope]
    if len(tops) != 1:
        raise InvalidInputError(
            "请指定通报的单位（--unit）：您的范围内有多个顶层单位" if tops else "您没有可通报的单位"
        )
    return tops[0]


def _pct(value: Decimal | None) -> str:
    return periods.pct_text(value)


def build(
    session: Session,
    principal: Principal,
    period: Period,
    level: str,
    *,
    root: str | None = None,
    today: date | None = None,
) -> Circular:
    """Gather the figures of a weekly (``period.kind == week``) or monthly circular for ``level``."""
    from qiandai.governance import installs
    from qiandai.governance.units import scope_units

    if period.kind not in (periods.WEEK, periods.MONTH):
        raise InvalidInputError("通报周期应为周（2026-W47）或月（2026-11）")
    if level not in LEVELS:
        raise InvalidInputError(
            f"通报层级 {level} 无效：可选 township（乡镇街道）、village（村社区）、unit（单位）"
        )
    scope = scope_units(session, principal)
    root_code = _root(session, principal, scope, root)
    units = UnitIndex.load(session)
    members = _members(units, root_code, level)
    codes = [u.code for u in members]
    subtree = frozenset(units.subtree(root_code))
    root_name = units.name(root_code)
    kind_word = "周" if period.kind == periods.WEEK else "月"
    circular = Circular(
        title=f"{root_name}反诈工作{kind_word}通报（{period.label}）",
        kind=period.kind,
        period=period,
        level=level,
        root_code=root_code,
        root_name=root_name,
        summary=[],
        unit_names=[u.name for u in members],
    )
    prev, yoy = periods.previous(period), periods.year_ago(period)
    figs = {f.key: f for f in cases.unit_figures(session, period, subtree)}
    top = figs[root_code]

    # --- install ranking (H4a's weekly ranking of the level; a month uses its last ISO week)
    week_day = period.start if period.kind == periods.WEEK else period.last_day
    week_monday = week_day - timedelta(days=week_day.weekday())
    as_of = min(today or week_monday + timedelta(days=6), week_monday + timedelta(days=6))
    group = "org" if level == "unit" else ("2" if level == "township" else "3")
    rank_lines = [
        r
        for r in installs.ranking(session, principal, group=group, week=week_monday, as_of=as_of)
        if r.code in subtree
    ]
    root_rate = next(
        (
            r
            for r in installs.unit_rates(session, principal, week=week_monday, as_of=as_of)
            if r.code == root_code
        ),
        None,
    )
    circular.sections.append(
        Section(
            "install",
            f"国家反诈中心App安装率排名（{week_monday:%m月%d日}所在周）",
            [
                "排名",
                "单位",
                "类型",
                "应装人数",
                "已装人数",
                "安装率",
                "较上周",
                "上周排名",
                "目标",
                "达标情况",
            ],
            [
                [
                    r.rank,
                    r.name,
                    r.kind_label,
                    r.base,
                    r.installed,
                    installs.percent(r.rate),
                    installs.points(r.change),
                    r.previous_rank if r.previous_rank is not None else "—",
                    installs.percent(r.target.rate) if r.target.rate is not None else "—",
                    r.target.label,
                ]
                for r in rank_lines
            ],
            note="安装率 = 已装人数 / 应装人数（辖区为人口，单位为职工数）；同率同名次。",
        )
    )
    circular.charts.append(
        _top_chart("App安装率（%）", [(r.name, round((r.rate or 0) * 100, 1)) for r in rank_lines], "%")
    )

    # --- cases
    case_rows: list[list[Any]] = []
    for u in members:
        f = figs.get(u.code)
        if f is None:
            continue
        case_rows.append(
            [
                u.name,
                f.count,
                f.count_prev,
                _pct(f.count_mom),
                f.count_yoy,
                _pct(f.count_yoy_pct),
                f.loss,
                _pct(f.loss_mom),
                _pct(f.loss_yoy_pct),
                f.recovered,
                f.solved,
            ]
        )
    circular.sections.append(
        Section(
            "cases",
            "电信网络诈骗案件统计",
            [
                "单位",
                "发案数",
                "上期发案",
                "环比",
                "去年同期",
                "同比",
                "损失金额（元）",
                "损失环比",
                "损失同比",
                "挽回金额（元）",
                "破案数",
            ],
            case_rows,
            money=frozenset({6, 9}),
            note=f"环比对比{prev.label}，同比对比{yoy.label}；“—”表示对比期为零。",
        )
    )
    circular.charts.append(_top_chart("发案数（起）", [(r[0], float(r[1])) for r in case_rows], "起"))
    type_rows: list[list[Any]] = [
        [t.label, t.count, _pct(t.count_mom), _pct(t.count_yoy_pct), t.loss, _pct(t.loss_mom)]
        for t in cases.type_figures(session, period, subtree)
    ]
    circular.sections.append(
        Section(
            "types",
            "案件类型分布",
            ["诈骗类型", "发案数", "环比", "同比", "损失金额（元）", "损失环比"],
            type_rows,
            money=frozenset({4}),
        )
    )
    circular.charts.append(
        Chart(
            "各类型发案数（起）",
            [r[0] for r in type_rows if r[1]],
            [float(r[1]) for r in type_rows if r[1]],
            "起",
        )
    )

    # --- publicity
    cov = {c.unit_code: c for c in publicity.coverage(session, period, subtree)}
    circular.sections.append(
        Section(
            "publicity",
            "反诈宣传开展情况",
            [
                "单位",
                "活动次数",
                "覆盖人次",
                "发放资料",
                "悬挂横幅",
                "电子屏",
                "每百人覆盖人次",
                *publicity.KINDS,
            ],
            [
                [
                    u.name,
                    c.events,
                    c.people,
                    c.leaflets,
                    c.banners,
                    c.screens,
                    _plain(c.reach_pct),
                    *(c.by_kind[k] for k in publicity.KINDS),
                ]
                for u in members
                if (c := cov.get(u.code)) is not None
            ],
        )
    )

    # --- persons
    open_counts = _open_persons(session, units, period.last_day)
    person_rows = []
    for u in members:
        by_cat = open_counts.get(u.code, {})
        person_rows.append([u.name, sum(by_cat.values()), *(by_cat.get(c, 0) for c in persons.CATEGORIES)])
    reduction_rows = []
    for campaign in persons.campaigns(session, subtree):
        if campaign.start_on > period.last_day:
            continue
        prog = persons.progress(session, campaign, min(period.last_day, today or period.last_day))
        for p in prog.units:
            if p.unit_code == campaign.unit_code or p.unit_code in codes:
                reduction_rows.append(
                    [
                        campaign.name,
                        p.unit_name,
                        p.enrolled,
                        p.reduced,
                        f"{_plain(p.pct)}%",
                        p.target,
                        str(campaign.due_on),
                        "已完成" if p.meets else ("逾期未完成" if prog.as_of > campaign.due_on else "推进中"),
                    ]
                )
    circular.sections.append(
        Section(
            "persons",
            f"重点人员在管情况（截至{period.last_day:%m月%d日}）",
            ["单位", "在管人数", *persons.CATEGORIES],
            person_rows,
        )
    )
    circular.sections.append(
        Section(
            "reduction",
            "重点人员核减进度",
            ["核减任务", "单位", "纳入人数", "已核减", "核减率", "目标人数", "完成期限", "状态"],
            reduction_rows,
        )
    )
    root_cov = cov.get(root_code)
    total_open = sum(sum(v.values()) for c, v in open_counts.items() if c == root_code)
    circular.summary = [
        f"本期（{period.label}）{root_name}共发生电信网络诈骗案件 {top.count} 起，"
        f"环比{_change_text(top.count_mom)}，同比{_change_text(top.count_yoy_pct)}；"
        f"损失金额 {top.loss:,.2f} 元，环比{_change_text(top.loss_mom)}，"
        f"同比{_change_text(top.loss_yoy_pct)}；挽回 {top.recovered:,.2f} 元，破案 {top.solved} 起。",
        (
            f"国家反诈中心App安装率 {installs.percent(root_rate.rate)}"
            f"（已装 {root_rate.installed} 人，应装 {root_rate.base} 人），"
            f"{root_rate.target.label}。"
            if root_rate is not None
            else "国家反诈中心App安装：本期无数据。"
        ),
        f"开展反诈宣传 {root_cov.events if root_cov else 0} 次，"
        f"覆盖 {root_cov.people if root_cov else 0} 人次，"
        f"发放资料 {root_cov.leaflets if root_cov else 0} 份。",
        f"在管重点人员 {total_open} 人。",
    ]
    return circular


CHART_BARS = 30


def _top_chart(title: str, points: list[tuple[str, float]], unit: str) -> Chart:
    """A bar chart of the largest ``CHART_BARS`` values (the tables list every unit; a chart of 400
    villages is unreadable and slow to lay out)."""
    if len(points) > CHART_BARS:
        points = sorted(points, key=lambda p: -p[1])[:CHART_BARS]
        title = f"{title}（前{CHART_BARS}名）"
    return Chart(title, [p[0] for p in points], [p[1] for p in points], unit)


def _plain(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _change_text(value: Decimal | None) -> str:
    if value is None:
        return "无可比数据"
    if value > 0:
        return f"上升 {value:.1f}%"
    if value < 0:
        return f"下降 {-value:.1f}%"
    return "持平"


def _open_persons(session: Session, units: UnitIndex, day: date) -> dict[str, dict[str, int]]:
    """Open files (opened by ``day``, not reduced by it) per unit and category, rolled up."""
    rows = session.execute(
        select(PersonFile.unit_code, PersonFile.category, func.count())
        .where(
            PersonFile.opened_on <= day,
            (PersonFile.reduced_on.is_(None)) | (PersonFile.reduced_on > day),
        )
        .group_by(PersonFile.unit_code, PersonFile.category)
    ).all()
    values: dict[str, list[Decimal | int]] = {}
    for code, category, n in rows:
        acc = values.setdefault(code, [0] * len(persons.CATEGORIES))
        acc[persons.CATEGORIES.index(category)] = int(n)
    return {
        code: {c: int(v[i]) for i, c in enumerate(persons.CATEGORIES)}
        for code, v in units.rollup(values).items()
    }


def write(circular: Circular, out_dir: Path) -> list[Path]:
    """Write ``<stem>.xlsx`` and ``<stem>.pdf`` into ``out_dir``; returns both paths."""
    from qiandai.governance.circulars_pdf import pdf_bytes
    from qiandai.governance.circulars_xlsx import xlsx_bytes

    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx = out_dir / f"{circular.file_stem}.xlsx"
    pdf = out_dir / f"{circular.file_stem}.pdf"
    xlsx.write_bytes(xlsx_bytes(circular))
    pdf.write_bytes(pdf_bytes(circular))
    return [xlsx, pdf]
