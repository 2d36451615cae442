"""Fraud-free village/unit evaluation (无诈村/无诈单位) per year, with evidence for every criterion.

Criteria (a unit passes when all five hold, counted over the unit and every unit below it):

1. 发案: no case in the year, or a fall of at least 50 % against the previous year (exactly 50 %
   passes; a rise from zero fails);
2. 大案: no single case with a loss of ¥500,000 or more (exactly ¥500,000 fails);
3. 涉诈人员: no person file in the category 滞留境外涉诈 and none marked as a fraud suspect, active in the
   year (opened by its end, not reduced before its start) — residents only (relation 本人) for villages
   and communities, staff *and their families* (本人, 家属) for organisations;
4. 窝点: no fraud den found in the year;
5. 履职: at least one publicity event recorded in the year.

Workflow: :func:`build_draft` computes every village/community (category ``village``) and organisation
(``unit``) in scope and stores rows in ``draft`` — rebuilding updates draft rows only; :func:`review`
accepts (only a unit that passed) or rejects (a note is required) a row; :func:`publish` turns the
accepted rows of a year into the published list once no passing row is left in draft. Each step is
one transaction and writes ``gov_stats_event``; repeating a step that already happened changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import ConflictError, InvalidInputError, NotFoundError
from qiandai.governance import periods
from qiandai.governance.cases_io import UnitIndex, log_event
from qiandai.governance.models.cases import GovCase
from qiandai.governance.models.fraudfree import FraudDen, FraudFreeEvaluation
from qiandai.governance.models.persons import PersonFile
from qiandai.governance.models.publicity import PublicityEvent
from qiandai.governance.models.units import UnitKind
from qiandai.store.base import now_utc

BIG_CASE = Decimal("500000.00")
MIN_FALL_PCT = Decimal("50")
STRANDED = "滞留境外涉诈"
VILLAGE, UNIT = "village", "unit"
CATEGORY_LABELS = {VILLAGE: "无诈村（社区）", UNIT: "无诈单位"}
STATUS_LABELS = {"draft": "待审核", "accepted": "审核通过", "rejected": "审核不通过", "published": "已公布"}
VILLAGE_KINDS = {UnitKind.VILLAGE.value, UnitKind.COMMUNITY.value}
ORG_KINDS = {
    UnitKind.DEPARTMENT.value,
    UnitKind.SCHOOL.value,
    UnitKind.HOSPITAL.value,
    UnitKind.COMPANY.value,
    UnitKind.OTHER.value,
}
CRITERIA = {
    "cases": "无发案或发案数较上年下降50%以上",
    "big_case": "无单笔损失50万元以上案件",
    "persons": "无涉诈嫌疑人员、无滞留境外涉诈人员",
    "dens": "无涉诈窝点",
    "duties": "履职到位（有宣传记录）",
}


@dataclass(frozen=True)
class Verdict:
    unit_code: str
    category: str
    passed: bool
    evidence: list[dict[str, Any]]


def _criterion(key: str, passed: bool, detail: str, refs: list[str] | None = None) -> dict[str, Any]:
    return {"key": key, "label": CRITERIA[key], "passed": passed, "detail": detail, "refs": refs or []}


def evaluate(session: Session, year: int, scope: frozenset[str] | None = None) -> list[Verdict]:
    """The verdict of every village/community and organisation in ``scope`` for ``year`` (read only)."""
    units = UnitIndex.load(session)
    this, last = periods.year(year), periods.year(year - 1)
    candidates = [
        u
        for u in units.by_code.values()
        if (u.kind in VILLAGE_KINDS or u.kind in ORG_KINDS) and (scope is None or u.code in scope)
    ]
    if not candidates:
        return []
    counts: dict[str, list[Decimal | int]] = {}
    for code, y, n in session.execute(
        select(GovCase.unit_code, func.extract("year", GovCase.occurred_on), func.count())
        .where(GovCase.occurred_on >= last.start, GovCase.occurred_on < this.end)
        .group_by(GovCase.unit_code, func.extract("year", GovCase.occurred_on))
    ):
        acc = counts.setdefault(code, [0, 0])
        acc[0 if int(y) == year else 1] += int(n)
    rolled_cases = units.rollup(counts)
    big: dict[str, list[str]] = {}
    for case_no, code, loss in session.execute(
        select(GovCase.case_no, GovCase.unit_code, GovCase.loss).where(
            GovCase.occurred_on >= this.start, GovCase.occurred_on < this.end, GovCase.loss >= BIG_CASE
        )
    ):
        for c in units.chain(code):
            big.setdefault(c, []).append(f"{case_no}（损失 {Decimal(loss):,.2f} 元）")
    persons: dict[str, list[tuple[str, str]]] = {}  # unit → [(relation, text)]
    for p in session.scalars(
        select(PersonFile).where(
            or_(PersonFile.category == STRANDED, PersonFile.suspect.is_(True)),
            PersonFile.opened_on < this.end,
            or_(PersonFile.reduced_on.is_(None), PersonFile.reduced_on >= this.start),
        )
    ):
        what = "滞留境外涉诈" if p.category == STRANDED else "涉诈嫌疑人员"
        text = f"{p.file_no} {p.name_masked}（{what}，{p.relation}）"
        for c in units.chain(p.unit_code):
            persons.setdefault(c, []).append((p.relation, text))
    dens: dict[str, list[str]] = {}
    for den in session.scalars(
        select(FraudDen).where(FraudDen.found_on >= this.start, FraudDen.found_on < this.end)
    ):
        for c in units.chain(den.unit_code):
            dens.setdefault(c, []).append(f"{den.found_on} {den.description}".strip())
    events = units.rollup(
        {
            code: [int(n), int(people or 0)]
            for code, n, people in session.execute(
                select(PublicityEvent.unit_code, func.count(), func.sum(PublicityEvent.people))
                .where(PublicityEvent.held_on >= this.start, PublicityEvent.held_on < this.end)
                .group_by(PublicityEvent.unit_code)
            )
        }
    )
    out: list[Verdict] = []
    for u in candidates:
        category = VILLAGE if u.kind in VILLAGE_KINDS else UNIT
        cur, prev = (int(v) for v in rolled_cases.get(u.code, [0, 0]))
        evidence = [_cases_criterion(year, cur, prev)]
        big_cases = big.get(u.code, [])
        evidence.append(
            _criterion(
                "big_case",
                not big_cases,
                f"{len(big_cases)} 起单笔损失 ≥ 50 万元" if big_cases else "无单笔损失 50 万元以上案件",
                big_cases,
            )
        )
        relations = {"本人"} if category == VILLAGE else {"本人", "家属"}
        found = [t for rel, t in persons.get(u.code, []) if rel in relations]
        scope_text = "辖区居民" if category == VILLAGE else "本单位职工及其家属"
        evidence.append(
            _criterion(
                "persons",
                not found,
                f"{scope_text}中有 {len(found)} 人" if found else f"{scope_text}中无此类人员",
                found,
            )
        )
        den_list = dens.get(u.code, [])
        evidence.append(
            _criterion("dens", not den_list, f"发现 {len(den_list)} 处" if den_list else "未发现", den_list)
        )
        n_events, people = (int(v) for v in events.get(u.code, [0, 0]))
        evidence.append(
            _criterion(
                "duties",
                n_events > 0,
                f"{year}年开展宣传 {n_events} 次，覆盖 {people} 人次" if n_events else f"{year}年无宣传记录",
            )
        )
        out.append(Verdict(u.code, category, all(e["passed"] for e in evidence), evidence))
    return out


def _cases_criterion(year: int, cur: int, prev: int) -> dict[str, Any]:
    if cur == 0:
        return _criterion("cases", True, f"{year}年无发案（{year - 1}年 {prev} 起）")
    change = periods.change_pct(cur, prev)
    if change is None:
        return _criterion("cases", False, f"{year}年发案 {cur} 起，{year - 1}年无发案")
    passed = change <= -MIN_FALL_PCT
    return _criterion(
        "cases",
        passed,
        f"{year}年发案 {cur} 起，{year - 1}年 {prev} 起，变化 {periods.pct_text(change)}"
        + ("" if passed else "（未达下降 50%）"),
    )


def _year_rows(session: Session, year: int, scope: frozenset[str] | None) -> dict[str, FraudFreeEvaluation]:
    stmt = select(FraudFreeEvaluation).where(FraudFreeEvaluation.year == year)
    rows = {r.unit_code: r for r in session.scalars(stmt)}
    return {c: r for c, r in rows.items() if scope is None or c in scope}


def build_draft(
    session: Session, year: int, by_user: str, scope: frozenset[str] | None = None
) -> dict[str, int]:
    """Compute and store the draft for ``year``: new rows in draft, draft rows refreshed, reviewed and
    published rows kept as they are. Returns counts (Chinese-labelled in the faces)."""
    if not 2000 <= year <= 2100:
        raise InvalidInputError(f"年度无效：{year}")
    existing = _year_rows(session, year, None)
    counts = {"created": 0, "refreshed": 0, "kept": 0, "passed": 0}
    now = now_utc()
    for v in evaluate(session, year, scope):
        counts["passed"] += int(v.passed)
        row = existing.get(v.unit_code)
        if row is None:
            session.add(
                FraudFreeEvaluation(
                    year=year,
                    unit_code=v.unit_code,
                    category=v.category,
                    passed=v.passed,
                    evidence=v.evidence,
                    status="draft",
                    note="",
                    computed_at=now,
                )
            )
            counts["created"] += 1
        elif row.status == "draft":
            if row.passed != v.passed or row.evidence != v.evidence or row.category != v.category:
                row.passed, row.evidence, row.category, row.computed_at = (
                    v.passed,
                    v.evidence,
                    v.category,
                    now,
                )
                counts["refreshed"] += 1
        else:
            counts["kept"] += 1
    session.flush()
    log_event(session, by_user, "fraudfree", str(year), "draft", detail=counts)
    return counts


def rows(session: Session, year: int, scope: frozenset[str] | None = None) -> list[FraudFreeEvaluation]:
    return sorted(
        _year_rows(session, year, scope).values(), key=lambda r: (r.category, not r.passed, r.unit_code)
    )


def get(
    session: Session, year: int, unit_code: str, scope: frozenset[str] | None = None
) -> FraudFreeEvaluation:
    row = _year_rows(session, year, scope).get(unit_code)
    if row is None:
        raise NotFoundError(f"{year}年没有单位 {unit_code} 的无诈评价（请先生成草稿）")
    return row


def review(
    session: Session,
    year: int,
    unit_code: str,
    accept: bool,
    note: str,
    by_user: str,
    scope: frozenset[str] | None = None,
) -> FraudFreeEvaluation:
    """Accept or reject one row; a published row cannot change; the same decision twice is a no-op."""
    row = get(session, year, unit_code, scope)
    if row.status == "published":
        raise ConflictError(f"{year}年名单已公布，单位 {unit_code} 的评价不能再修改")
    target = "accepted" if accept else "rejected"
    if accept and not row.passed:
        failed = "、".join(e["label"] for e in row.evidence if not e["passed"])
        raise InvalidInputError(f"单位 {unit_code} 未达到标准（{failed}），不能审核通过")
    if not accept and not note.strip():
        raise InvalidInputError("审核不通过须填写理由")
    if row.status == target and row.note == note.strip():
        return row
    before = row.status
    row.status, row.note, row.reviewed_by, row.reviewed_at = target, note.strip(), by_user, now_utc()
    session.flush()
    log_event(
        session,
        by_user,
        "fraudfree",
        f"{year}/{unit_code}",
        "review",
        note=note.strip(),
        detail={"from": before, "to": target},
    )
    return row


def publish(session: Session, year: int, by_user: str) -> list[FraudFreeEvaluation]:
    """Publish the accepted rows of ``year`` (the whole county's list: needs every passing row reviewed)."""
    all_rows = _year_rows(session, year, None)
    if not all_rows:
        raise NotFoundError(f"{year}年尚未生成无诈评价草稿")
    pending = sorted(c for c, r in all_rows.items() if r.passed and r.status == "draft")
    if pending:
        raise ConflictError(f"还有 {len(pending)} 个达标单位未审核（{'、'.join(pending[:5])}），不能公布")
    now = now_utc()
    changed = 0
    for r in all_rows.values():
        if r.status == "accepted":
            r.status, r.published_at = "published", now
            changed += 1
    session.flush()
    if changed:
        log_event(session, by_user, "fraudfree", str(year), "publish", detail={"published": changed})
    return published(session, year)


def published(session: Session, year: int) -> list[FraudFreeEvaluation]:
    return sorted(
        (r for r in _year_rows(session, year, None).values() if r.status == "published"),
        key=lambda r: (r.category, r.unit_code),
    )


def record_den(session: Session, unit_code: str, found_on: date, description: str, by_user: str) -> FraudDen:
    """Record a fraud den found in ``unit_code`` (an input of criterion 4)."""
    units = UnitIndex.load(session)
    if unit_code not in units.by_code:
        raise NotFoundError(f"单位 {unit_code} 不存在")
    if not description.strip():
        raise InvalidInputError("窝点情况说明不能为空")
    den = FraudDen(
        unit_code=unit_code, found_on=found_on, description=description.strip(), recorded_by=by_user
    )
    session.add(den)
    session.flush()
    log_event(
        session, by_user, "fraud_den", den.id, "record", detail={"unit": unit_code, "found_on": str(found_on)}
    )
    return den


def dens(session: Session, scope: frozenset[str] | None = None) -> list[FraudDen]:
    items = list(session.scalars(select(FraudDen).order_by(FraudDen.found_on.desc())))
    return [d for d in items if scope is None or d.unit_code in scope]
