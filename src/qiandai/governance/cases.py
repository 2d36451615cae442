"""Case statistics: import reported fraud cases, figures by unit (rolled up), type and period with
同比/环比, and reduction targets with whether each unit meets them.

Sources: spreadsheets (xlsx/CSV; idempotent by case number), the transfer module's warnings whose
outcome is 已被骗 (case number ``YJ-<warning id>``), and the texts module's reviewed cases
(``WB-<case id>``; they carry no unit or loss, so the operator names the unit and the loss is 0).

Fraud types are the methods of the fraud-method knowledge base (the ten high-incidence types of
``2023-top10`` first); a sheet may give the id, the name, an alias or the name with 类 (``刷单返利类``).
A unit's figure is its own cases plus those of every unit below it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from qiandai import settings
from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.governance import periods
from qiandai.governance.cases_io import (
    Problem,
    Raw,
    UnitIndex,
    code_text,
    log_event,
    parse_date,
    parse_flag,
    parse_money,
    read_rows,
    rows_by_keys,
)
from qiandai.governance.models.cases import CaseTarget, GovCase
from qiandai.governance.periods import Period
from qiandai.governance.units_sheet import clean_text
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.texts.methods import MethodBook, load_book

OTHER = "other"
OTHER_LABEL = "其他类型"
ZERO = Decimal("0.00")

CASE_HEADERS: dict[str, tuple[str, ...]] = {
    "case_no": ("案件编号", "案件号", "警情编号", "编号", "case_no"),
    "occurred_on": ("发案日期", "发案时间", "报案日期", "日期", "occurred_on"),
    "unit_code": ("单位编码", "居住地单位编码", "所属单位编码", "unit_code"),
    "unit_name": ("居住地", "所属单位", "单位名称", "村社区", "村（社区）", "unit"),
    "fraud_type": ("诈骗类型", "案件类型", "类型", "fraud_type"),
    "loss": ("损失金额", "损失金额(元)", "被骗金额", "涉案金额", "损失", "loss"),
    "recovered": ("挽回金额", "挽损金额", "追回金额", "挽回金额(元)", "recovered"),
    "solved": ("是否破案", "破案", "已破案", "solved"),
}
FIELD_LABELS = {
    "case_no": "案件编号",
    "occurred_on": "发案日期",
    "unit": "居住地单位",
    "fraud_type": "诈骗类型",
    "loss": "损失金额",
    "recovered": "挽回金额",
    "solved": "是否破案",
}


@dataclass(frozen=True)
class FraudTypes:
    """Accepted fraud types: ids in order (top ten first) with names, and every accepted spelling."""

    names: dict[str, str]
    spellings: dict[str, str]
    top10: tuple[str, ...]

    @classmethod
    def from_book(cls, book: MethodBook) -> FraudTypes:
        names: dict[str, str] = {}
        spellings: dict[str, str] = {}
        top = next((tuple(lst.get("methods", ())) for lst in book.lists if lst.get("id") == "2023-top10"), ())
        ordered = [*top, *(m.id for m in book.methods if m.id not in top)]
        for mid in ordered:
            m = book.get(mid)
            names[m.id] = m.name
            for s in (m.id, m.name, *m.aliases):
                key = clean_text(s).lower()
                spellings.setdefault(key, m.id)
                spellings.setdefault(key + "类", m.id)
                spellings.setdefault(key + "诈骗", m.id)
        names[OTHER] = OTHER_LABEL
        for s in (OTHER, "其他", "其它", "其他类型", "其他类", "其它类"):
            spellings[s] = OTHER
        return cls(names, spellings, top)

    def resolve(self, value: Any) -> str | None:
        text = clean_text(value).lower()
        if text in self.spellings:
            return self.spellings[text]
        return self.spellings.get(text.removesuffix("类").removesuffix("诈骗"))

    def label(self, type_id: str) -> str:
        return self.names.get(type_id, type_id)


def fraud_types() -> FraudTypes:
    return FraudTypes.from_book(load_book(settings.home()))


@dataclass(frozen=True)
class CaseRow:
    case_no: str
    occurred_on: date
    unit_code: str
    fraud_type: str
    loss: Decimal
    recovered: Decimal
    solved: bool


@dataclass
class CaseImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems})

    def summary(self) -> str:
        return (
            f"新增 {self.created} 件，更新 {self.updated} 件，"
            f"未变 {self.unchanged} 件，拒收 {self.rejected} 行"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": [p.as_text() for p in self.problems],
        }


def parse_case_rows(
    raw: Iterable[Raw], units: UnitIndex, types: FraudTypes, today: date
) -> tuple[list[CaseRow], list[Problem]]:
    """Field checks of raw case rows; a case number seen twice in one file is rejected the second time."""
    rows: list[CaseRow] = []
    problems: list[Problem] = []
    seen: dict[str, tuple[str, int]] = {}
    for sheet, row_no, rec in raw:
        errs: list[tuple[str, str]] = []
        case_no = code_text(rec.get("case_no"))
        if not case_no:
            errs.append(("case_no", "案件编号为空"))
        elif len(case_no) > 64:
            errs.append(("case_no", "案件编号超过 64 个字符"))
        elif case_no in seen:
            first = seen[case_no]
            errs.append(("case_no", f"案件编号“{case_no}”与工作表“{first[0]}”第 {first[1]} 行重复"))
        day, why = parse_date(rec.get("occurred_on"))
        if why:
            errs.append(("occurred_on", f"发案日期{why}" if why == "为空" else why))
        elif day is not None and day > today:
            errs.append(("occurred_on", f"发案日期 {day} 晚于今天"))
        unit, why = units.resolve(rec.get("unit_code"), rec.get("unit_name"))
        if why:
            errs.append(("unit", why))
        fraud_type = types.resolve(rec.get("fraud_type"))
        if fraud_type is None:
            text = clean_text(rec.get("fraud_type"))
            errs.append(("fraud_type", f"诈骗类型“{text}”不在知识库中" if text else "诈骗类型为空"))
        loss, why = parse_money(rec.get("loss"))
        if why:
            errs.append(("loss", why))
        recovered, why = parse_money(rec.get("recovered"))
        if why:
            errs.append(("recovered", why))
        if loss is not None and recovered is not None and recovered > loss:
            errs.append(("recovered", f"挽回金额 {recovered} 大于损失金额 {loss}"))
        solved, why = parse_flag(rec.get("solved"))
        if why:
            errs.append(("solved", why))
        if errs:
            problems.extend(Problem(sheet, row_no, FIELD_LABELS[f], reason) for f, reason in errs)
            continue
        assert (
            day and unit and fraud_type and loss is not None and recovered is not None and solved is not None
        )
        seen[case_no] = (sheet, row_no)
        rows.append(CaseRow(case_no, day, unit, fraud_type, loss, recovered, solved))
    return rows, problems


def upsert_cases(
    session: Session, rows: list[CaseRow], source: str, refs: dict[str, str] | None = None
) -> CaseImportReport:
    """Insert new case numbers, update changed ones; the same rows twice change nothing."""
    report = CaseImportReport()
    existing = {c.case_no: c for c in rows_by_keys(session, GovCase.case_no, [r.case_no for r in rows])}
    now = now_utc()
    for r in rows:
        values = {
            "occurred_on": r.occurred_on,
            "unit_code": r.unit_code,
            "fraud_type": r.fraud_type,
            "loss": r.loss,
            "recovered": r.recovered,
            "solved": r.solved,
        }
        old = existing.get(r.case_no)
        if old is None:
            session.add(
                GovCase(
                    case_no=r.case_no,
                    source=source,
                    source_ref=(refs or {}).get(r.case_no),
                    updated_at=now,
                    **values,
                )
            )
            report.created += 1
        elif any(getattr(old, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(old, k, v)
            old.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report


def import_cases(
    session: Session,
    path: Path,
    by_user: str,
    *,
    today: date | None = None,
    scope: frozenset[str] | None = None,
) -> CaseImportReport:
    """Import a case sheet (xlsx/CSV): valid rows are applied, bad rows reported; one transaction."""
    raw = read_rows(path, CASE_HEADERS, ("case_no", "occurred_on", "fraud_type"), label="案件表")
    day = today or now_utc().astimezone(SHANGHAI).date()
    rows, problems = parse_case_rows(raw, UnitIndex.load(session, scope), fraud_types(), day)
    report = upsert_cases(session, rows, "import")
    report.problems = problems
    log_event(
        session,
        by_user,
        "case_import",
        path.name,
        "import",
        detail=report.as_dict() | {"problems": len(problems)},
    )
    return report


def import_from_transfers(session: Session, by_user: str) -> CaseImportReport:
    """Warnings closed as 已被骗 become cases ``YJ-<id>``; the unit is the warning's unit when it is also a
    governance unit (same code or same name), else the unit whose code is the longest prefix of the
    victim's region code. Warnings that match no unit are reported, not dropped."""
    from qiandai.transfers.models import UnitRow, WarningRow
    from qiandai.transfers.warnings import Outcome

    units = UnitIndex.load(session)
    types = fraud_types()
    tx_names = {u.code: u.name for u in session.scalars(select(UnitRow))}
    rows: list[CaseRow] = []
    problems: list[Problem] = []
    defrauded = (
        select(WarningRow).where(WarningRow.outcome == Outcome.DEFRAUDED.value).order_by(WarningRow.id)
    )
    for n, w in enumerate(session.scalars(defrauded), start=1):
        code: str | None = None
        if w.unit_code and w.unit_code in units.by_code:
            code = w.unit_code
        elif w.unit_code and len(units.by_name.get(tx_names.get(w.unit_code, ""), [])) == 1:
            code = units.by_name[tx_names[w.unit_code]][0]
        elif w.victim_region:
            prefixes = [c for c in units.by_code if w.victim_region.startswith(c)]
            code = max(prefixes, key=len) if prefixes else None
        if code is None:
            problems.append(
                Problem(
                    "预警劝阻",
                    n,
                    "居住地单位",
                    f"预警 {w.id}：无法对应到治理单位（区划 {w.victim_region or '空'}）",
                )
            )
            continue
        day = (w.closed_at or w.created_at).astimezone(SHANGHAI).date()
        loss = w.amount if w.amount is not None else ZERO
        rows.append(CaseRow(f"YJ-{w.id}", day, code, types.resolve(w.fraud_type) or OTHER, loss, ZERO, False))
    report = upsert_cases(session, rows, "transfers", {r.case_no: r.case_no[3:] for r in rows})
    report.problems = problems
    log_event(session, by_user, "case_import", "transfers", "import", detail=report.as_dict())
    return report


def import_from_texts(
    session: Session, unit_code: str, by_user: str, home: Path | None = None
) -> CaseImportReport:
    """Reviewed cases of the texts module become cases ``WB-<id>`` of ``unit_code`` (loss unknown: 0)."""
    from qiandai.texts.cases import CaseStore, cases_path

    units = UnitIndex.load(session)
    if unit_code not in units.by_code:
        raise NotFoundError(f"单位 {unit_code} 不存在")
    store = CaseStore(cases_path(home or settings.home()))
    types = fraud_types()
    rows = [
        CaseRow(
            f"WB-{c.case_id}",
            c.reported_at.astimezone(SHANGHAI).date() if c.reported_at.tzinfo else c.reported_at.date(),
            unit_code,
            types.resolve(c.confirmed_type) or OTHER,
            ZERO,
            ZERO,
            False,
        )
        for c in store.all_cases()
        if c.confirmed_type and c.confirmed_type != "normal"
    ]
    report = upsert_cases(session, rows, "texts", {r.case_no: r.case_no[3:] for r in rows})
    log_event(session, by_user, "case_import", "texts", "import", detail=report.as_dict())
    return report


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """Counts and losses of one unit (rolled up) or one type in a period, with both comparison bases."""

    key: str
    label: str
    count: int
    loss: Decimal
    recovered: Decimal
    solved: int
    count_prev: int
    loss_prev: Decimal
    count_yoy: int
    loss_yoy: Decimal
    level: int = 0

    @property
    def count_mom(self) -> Decimal | None:
        return periods.change_pct(self.count, self.count_prev)

    @property
    def count_yoy_pct(self) -> Decimal | None:
        return periods.change_pct(self.count, self.count_yoy)

    @property
    def loss_mom(self) -> Decimal | None:
        return periods.change_pct(self.loss, self.loss_prev)

    @property
    def loss_yoy_pct(self) -> Decimal | None:
        return periods.change_pct(self.loss, self.loss_yoy)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "loss": str(self.loss),
            "recovered": str(self.recovered),
            "solved": self.solved,
            "count_prev": self.count_prev,
            "count_yoy": self.count_yoy,
            "loss_prev": str(self.loss_prev),
            "loss_yoy": str(self.loss_yoy),
            "count_mom_pct": _s(self.count_mom),
            "count_yoy_pct": _s(self.count_yoy_pct),
            "loss_mom_pct": _s(self.loss_mom),
            "loss_yoy_pct": _s(self.loss_yoy_pct),
        }


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _in(p: Period) -> Any:
    return and_(GovCase.occurred_on >= p.start, GovCase.occurred_on < p.end)


def _grouped(session: Session, key: Any, period: Period, where: Any = None) -> dict[str, list[Any]]:
    """Per ``key``: [count, loss, recovered, solved, count_prev, loss_prev, count_yoy, loss_yoy] (SQL)."""
    prev, yoy = periods.previous(period), periods.year_ago(period)

    def n(p: Period) -> Any:
        return func.sum(case((_in(p), 1), else_=0))

    def amount(p: Period, col: Any) -> Any:
        return func.sum(case((_in(p), col), else_=0))

    stmt = (
        select(
            key,
            n(period),
            amount(period, GovCase.loss),
            amount(period, GovCase.recovered),
            func.sum(case((and_(_in(period), GovCase.solved), 1), else_=0)),
            n(prev),
            amount(prev, GovCase.loss),
            n(yoy),
            amount(yoy, GovCase.loss),
        )
        .where(
            (_in(period)) | (_in(prev)) | (_in(yoy)),
        )
        .group_by(key)
    )
    if where is not None:
        stmt = stmt.where(where)
    out: dict[str, list[Any]] = {}
    for row in session.execute(stmt):
        k, *vals = row
        out[str(k)] = [
            int(vals[0] or 0),
            _money(vals[1]),
            _money(vals[2]),
            int(vals[3] or 0),
            int(vals[4] or 0),
            _money(vals[5]),
            int(vals[6] or 0),
            _money(vals[7]),
        ]
    return out


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _figures(key: str, label: str, v: list[Any], level: int = 0) -> Figures:
    return Figures(key, label, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], level)


EMPTY = [0, ZERO, ZERO, 0, 0, ZERO, 0, ZERO]


def unit_figures(session: Session, period: Period, scope: frozenset[str] | None = None) -> list[Figures]:
    """Figures of every unit in ``scope`` (all units when None), each rolled up over its subtree,
    in hierarchy order (level, then code)."""
    units = UnitIndex.load(session)
    rolled = units.rollup(_grouped(session, GovCase.unit_code, period))
    return [
        _figures(u.code, u.name, list(rolled.get(u.code, EMPTY)), u.level)
        for u in units.by_code.values()
        if scope is None or u.code in scope
    ]


def type_figures(session: Session, period: Period, codes: frozenset[str] | None = None) -> list[Figures]:
    """Figures per fraud type over the cases of units ``codes`` (all when None); the ten types always
    listed (zeros included), then any other type that has cases."""
    types = fraud_types()
    where = GovCase.unit_code.in_(sorted(codes)) if codes is not None else None
    grouped = _grouped(session, GovCase.fraud_type, period, where)
    order = [*types.top10, *sorted(k for k in grouped if k not in types.top10)]
    return [_figures(t, types.label(t), list(grouped.get(t, EMPTY))) for t in order]


# ---------------------------------------------------------------- targets

METRICS = {"cases": "案件数", "loss": "损失金额"}
TARGET_PERIODS = {periods.HALF: "半年环比", periods.YEAR: "年度环比", periods.MONTH: "月度环比"}


def put_target(
    session: Session, code: str, label: str, metric: str, period_kind: str, change_pct: Decimal, by_user: str
) -> CaseTarget:
    """Create or update a target (``change_pct`` −10: down at least 10 % on the previous period)."""
    if metric not in METRICS:
        raise InvalidInputError(f"指标 {metric} 无效：可选 cases（案件数）、loss（损失金额）")
    if period_kind not in TARGET_PERIODS:
        raise InvalidInputError(f"考核周期 {period_kind} 无效：可选 half（半年）、year（年）、month（月）")
    if not code.strip() or not label.strip():
        raise InvalidInputError("目标编码和名称不能为空")
    target = session.scalar(select(CaseTarget).where(CaseTarget.code == code))
    if target is None:
        target = CaseTarget(code=code)
        session.add(target)
    target.label, target.metric, target.period_kind = label, metric, period_kind
    target.change_pct = Decimal(change_pct).quantize(Decimal("0.1"))
    target.updated_at = now_utc()
    session.flush()
    log_event(
        session,
        by_user,
        "case_target",
        code,
        "put",
        detail={"metric": metric, "period": period_kind, "pct": str(change_pct)},
    )
    return target


def targets(session: Session) -> list[CaseTarget]:
    return list(session.scalars(select(CaseTarget).order_by(CaseTarget.code)))


@dataclass(frozen=True)
class TargetResult:
    unit_code: str
    unit_name: str
    current: Decimal
    base: Decimal
    change: Decimal | None
    meets: bool


def meets_target(current: Decimal | int, base: Decimal | int, change_pct: Decimal) -> bool:
    """Whether ``current`` against ``base`` satisfies a change of at most ``change_pct`` percent.
    With an empty base only an empty current meets it (a rise from zero cannot be a fall)."""
    if Decimal(base) == 0:
        return Decimal(current) == 0
    change = periods.change_pct(current, base)
    assert change is not None
    return change <= change_pct


def evaluate_target(
    session: Session, target: CaseTarget, period: Period, scope: frozenset[str] | None = None
) -> list[TargetResult]:
    """Each unit's current value against the previous period of the target's kind."""
    if period.kind != target.period_kind:
        raise InvalidInputError(
            f"目标“{target.label}”按{TARGET_PERIODS[target.period_kind]}考核，周期 {period.code} 类型不符"
        )
    out: list[TargetResult] = []
    for f in unit_figures(session, period, scope):
        cur, base = (
            (Decimal(f.count), Decimal(f.count_prev)) if target.metric == "cases" else (f.loss, f.loss_prev)
        )
        out.append(
            TargetResult(
                f.key,
                f.label,
                cur,
                base,
                periods.change_pct(cur, base),
                meets_target(cur, base, target.change_pct),
            )
        )
    return out


def get_target(session: Session, code: str) -> CaseTarget:
    target = session.scalar(select(CaseTarget).where(CaseTarget.code == code))
    if target is None:
        raise NotFoundError(f"考核目标 {code} 不存在")
    return target


def list_cases(
    session: Session, period: Period | None, codes: frozenset[str] | None, limit: int = 1000
) -> list[GovCase]:
    stmt = select(GovCase).order_by(GovCase.occurred_on.desc(), GovCase.case_no).limit(limit)
    if period is not None:
        stmt = stmt.where(_in(period))
    if codes is not None:
        stmt = stmt.where(GovCase.unit_code.in_(sorted(codes)))
    return list(session.scalars(stmt))
