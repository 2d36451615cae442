"""Publicity ledger (宣传台账) and awareness surveys (知晓率).

Events are imported from a ledger sheet (xlsx/CSV) or entered on a form; photos are uploaded files
(JPEG/PNG, at most 5 MB each) stored with their SHA-256 so the same photo twice is kept once. An
event's key is the ledger number when the sheet has one (``台账编号``), else a digest of unit, date,
kind and place: importing the same ledger again updates rows, never adds them.

Coverage per unit is rolled up the hierarchy: events, people reached, leaflets, banners, screens, and
people reached per hundred residents (areas) or staff (organisations). A survey asks ``questions``
questions of each respondent; a unit's awareness rate is correct answers / (respondents × questions).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, NotFoundError
from qiandai.governance import periods
from qiandai.governance.cases_io import (
    Problem,
    Raw,
    UnitIndex,
    code_text,
    log_event,
    parse_count,
    parse_date,
    read_rows,
    rows_by_keys,
)
from qiandai.governance.models.publicity import PublicityEvent, PublicityPhoto, Survey, SurveyResult
from qiandai.governance.periods import Period
from qiandai.governance.units_sheet import clean_text
from qiandai.store.base import SHANGHAI, now_utc

KINDS = ("进校园", "进社区", "进企业", "进医院", "进农村", "进家庭", "其他")
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG"}
COUNTS = ("people", "leaflets", "banners", "screens")

EVENT_HEADERS: dict[str, tuple[str, ...]] = {
    "ref": ("台账编号", "编号", "序号编号", "ref"),
    "unit_code": ("单位编码", "unit_code"),
    "unit_name": ("单位名称", "单位", "村社区", "组织单位", "unit"),
    "kind": ("活动类型", "宣传类型", "类型", "形式", "kind"),
    "held_on": ("活动日期", "日期", "时间", "held_on"),
    "place": ("活动地点", "地点", "place"),
    "organiser": ("组织者", "组织单位（人）", "负责人", "organiser"),
    "people": ("覆盖人数", "受众人数", "参与人数", "人数", "people"),
    "leaflets": ("发放资料", "发放宣传资料", "宣传资料(份)", "资料份数", "传单", "leaflets"),
    "banners": ("悬挂横幅", "横幅", "横幅(条)", "banners"),
    "screens": ("电子屏", "LED屏", "电子屏(块)", "screens"),
    "note": ("备注", "活动内容", "note"),
}
FIELD_LABELS = {
    "ref": "台账编号",
    "unit": "单位",
    "kind": "活动类型",
    "held_on": "活动日期",
    "place": "活动地点",
    "people": "覆盖人数",
    "leaflets": "发放资料",
    "banners": "悬挂横幅",
    "screens": "电子屏",
}


@dataclass(frozen=True)
class EventRow:
    ref: str
    unit_code: str
    kind: str
    held_on: date
    place: str
    organiser: str
    people: int
    leaflets: int
    banners: int
    screens: int
    note: str


def parse_kind(value: Any) -> str | None:
    """``进校园`` | ``校园`` | ``学校`` … → one of :data:`KINDS`; ``None`` when unreadable."""
    text = clean_text(value)
    if text in KINDS:
        return text
    aliases = {
        "校园": "进校园",
        "学校": "进校园",
        "社区": "进社区",
        "企业": "进企业",
        "医院": "进医院",
        "农村": "进农村",
        "村": "进农村",
        "家庭": "进家庭",
        "入户": "进家庭",
        "其它": "其他",
    }
    return aliases.get(text.removeprefix("进"))


def event_ref(unit_code: str, held_on: date, kind: str, place: str) -> str:
    digest = hashlib.sha256(f"{unit_code}|{held_on}|{kind}|{place}".encode()).hexdigest()[:24]
    return f"H-{digest}"


def parse_event_rows(
    raw: Iterable[Raw], units: UnitIndex, today: date
) -> tuple[list[EventRow], list[Problem]]:
    rows: list[EventRow] = []
    problems: list[Problem] = []
    seen: dict[str, tuple[str, int]] = {}
    for sheet, row_no, rec in raw:
        errs: list[tuple[str, str]] = []
        unit, why = units.resolve(rec.get("unit_code"), rec.get("unit_name"))
        if why:
            errs.append(("unit", why))
        kind = parse_kind(rec.get("kind"))
        if kind is None:
            text = clean_text(rec.get("kind"))
            errs.append(
                ("kind", f"活动类型“{text}”无效（可选：{'、'.join(KINDS)}）" if text else "活动类型为空")
            )
        day, why = parse_date(rec.get("held_on"))
        if why:
            errs.append(("held_on", f"活动日期{why}" if why == "为空" else why))
        elif day is not None and day > today:
            errs.append(("held_on", f"活动日期 {day} 晚于今天"))
        place = clean_text(rec.get("place"))
        if not place:
            errs.append(("place", "活动地点为空"))
        counts: dict[str, int] = {}
        for f in COUNTS:
            n, why = parse_count(rec.get(f))
            if why:
                errs.append((f, why))
            else:
                assert n is not None
                counts[f] = n
        ref = code_text(rec.get("ref"))
        if not errs:
            assert unit and kind and day
            ref = ref or event_ref(unit, day, kind, place)
            if ref in seen:
                errs.append(("ref", f"与工作表“{seen[ref][0]}”第 {seen[ref][1]} 行是同一活动（重复）"))
        if errs:
            problems.extend(Problem(sheet, row_no, FIELD_LABELS[f], r) for f, r in errs)
            continue
        assert unit and kind and day
        seen[ref] = (sheet, row_no)
        rows.append(
            EventRow(
                ref,
                unit,
                kind,
                day,
                place[:200],
                clean_text(rec.get("organiser"))[:100],
                counts["people"],
                counts["leaflets"],
                counts["banners"],
                counts["screens"],
                clean_text(rec.get("note")),
            )
        )
    return rows, problems


@dataclass
class EventImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({(p.sheet, p.row) for p in self.problems})

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": [p.as_text() for p in self.problems],
        }


def upsert_events(session: Session, rows: list[EventRow], by_user: str) -> EventImportReport:
    report = EventImportReport()
    refs = [r.ref for r in rows]
    existing = {e.ref: e for e in rows_by_keys(session, PublicityEvent.ref, refs)}
    now = now_utc()
    for r in rows:
        values = {k: getattr(r, k) for k in EventRow.__dataclass_fields__ if k != "ref"}
        old = existing.get(r.ref)
        if old is None:
            session.add(PublicityEvent(ref=r.ref, created_by=by_user, updated_at=now, **values))
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


def _today() -> date:
    return now_utc().astimezone(SHANGHAI).date()


def import_events(
    session: Session,
    path: Path,
    by_user: str,
    *,
    today: date | None = None,
    scope: frozenset[str] | None = None,
) -> EventImportReport:
    raw = read_rows(path, EVENT_HEADERS, ("kind", "held_on", "place"), label="宣传台账")
    rows, problems = parse_event_rows(raw, UnitIndex.load(session, scope), today or _today())
    report = upsert_events(session, rows, by_user)
    report.problems = problems
    log_event(session, by_user, "publicity_import", path.name, "import", detail=report.as_dict())
    return report


def add_event(
    session: Session,
    fields: dict[str, Any],
    by_user: str,
    *,
    today: date | None = None,
    scope: frozenset[str] | None = None,
) -> PublicityEvent:
    """One event from a form (same checks as a ledger row); errors raise with every reason listed."""
    rows, problems = parse_event_rows(
        [("表单", 1, fields)], UnitIndex.load(session, scope), today or _today()
    )
    if problems:
        raise InvalidInputError("；".join(f"{p.field}：{p.reason}" for p in problems))
    upsert_events(session, rows, by_user)
    event = session.scalar(select(PublicityEvent).where(PublicityEvent.ref == rows[0].ref))
    assert event is not None
    log_event(session, by_user, "publicity_event", event.id, "save", detail={"ref": event.ref})
    return event


def add_photo(
    session: Session, event_id: int, filename: str, content_type: str, data: bytes, by_user: str
) -> PublicityPhoto:
    """Attach a JPEG/PNG photo to an event; the same file twice is stored once."""
    event = session.get(PublicityEvent, event_id)
    if event is None:
        raise NotFoundError(f"宣传活动 {event_id} 不存在")
    if content_type not in PHOTO_TYPES or not data.startswith(PHOTO_TYPES[content_type]):
        raise InvalidInputError(f"照片“{filename}”不是 JPEG 或 PNG 图片")
    if len(data) > MAX_PHOTO_BYTES:
        raise InvalidInputError(f"照片“{filename}”超过 5 MB")
    digest = hashlib.sha256(data).hexdigest()
    same = session.scalar(
        select(PublicityPhoto).where(PublicityPhoto.event_id == event_id, PublicityPhoto.sha256 == digest)
    )
    if same is not None:
        return same
    photo = PublicityPhoto(
        event_id=event_id,
        filename=Path(filename).name[:200] or "photo",
        content_type=content_type,
        sha256=digest,
        data=data,
        uploaded_by=by_user,
    )
    session.add(photo)
    session.flush()
    log_event(
        session, by_user, "publicity_event", event_id, "photo", detail={"photo": photo.id, "sha256": digest}
    )
    return photo


def photos(session: Session, event_id: int) -> list[PublicityPhoto]:
    return list(session.scalars(select(PublicityPhoto).where(PublicityPhoto.event_id == event_id)))


def events(
    session: Session, period: Period | None, codes: frozenset[str] | None, limit: int = 1000
) -> list[PublicityEvent]:
    stmt = (
        select(PublicityEvent).order_by(PublicityEvent.held_on.desc(), PublicityEvent.id.desc()).limit(limit)
    )
    if period is not None:
        stmt = stmt.where(PublicityEvent.held_on >= period.start, PublicityEvent.held_on < period.end)
    if codes is not None:
        stmt = stmt.where(PublicityEvent.unit_code.in_(sorted(codes)))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class Coverage:
    unit_code: str
    unit_name: str
    level: int
    events: int
    people: int
    leaflets: int
    banners: int
    screens: int
    base: int
    by_kind: dict[str, int]

    @property
    def reach_pct(self) -> Decimal | None:
        """People reached per 100 residents/staff (may exceed 100: a person may attend twice)."""
        return periods.rate(self.people, self.base)


def coverage(session: Session, period: Period, scope: frozenset[str] | None = None) -> list[Coverage]:
    """Per unit (rolled up): events, reach and materials, events per kind."""
    units = UnitIndex.load(session)
    grouped = session.execute(
        select(
            PublicityEvent.unit_code,
            PublicityEvent.kind,
            func.count(),
            func.sum(PublicityEvent.people),
            func.sum(PublicityEvent.leaflets),
            func.sum(PublicityEvent.banners),
            func.sum(PublicityEvent.screens),
        )
        .where(PublicityEvent.held_on >= period.start, PublicityEvent.held_on < period.end)
        .group_by(PublicityEvent.unit_code, PublicityEvent.kind)
    ).all()
    width = 6 + len(KINDS)
    values: dict[str, list[Decimal | int]] = {}
    for u in units.by_code.values():  # the base (residents or staff) rolls up like the figures
        values.setdefault(u.code, [0] * width)[5 + len(KINDS)] = u.base_count
    for code, kind, n, people, leaflets, banners, screens in grouped:
        acc = values.setdefault(code, [0] * width)
        for i, v in enumerate((n, people, leaflets, banners, screens)):
            acc[i] = acc[i] + int(v or 0)
        acc[5 + KINDS.index(kind)] = acc[5 + KINDS.index(kind)] + int(n)
    rolled = units.rollup(values)
    out = []
    for u in units.by_code.values():
        if scope is not None and u.code not in scope:
            continue
        totals = [int(x) for x in rolled.get(u.code, [0] * width)]
        out.append(
            Coverage(
                u.code,
                u.name,
                u.level,
                totals[0],
                totals[1],
                totals[2],
                totals[3],
                totals[4],
                totals[5 + len(KINDS)],
                {k: totals[5 + i] for i, k in enumerate(KINDS)},
            )
        )
    return out


# ---------------------------------------------------------------- surveys

SURVEY_HEADERS: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位编码", "unit_code"),
    "unit_name": ("单位名称", "单位", "村社区", "unit"),
    "respondents": ("调查人数", "受访人数", "样本数", "respondents"),
    "correct": ("答对题数", "正确题数", "正确答案数", "答对数", "correct"),
}


def create_survey(
    session: Session, code: str, title: str, held_on: date, questions: int, by_user: str
) -> Survey:
    """Create (or return the same) survey; the same code with other settings is a conflict."""
    if not code.strip() or not title.strip():
        raise InvalidInputError("调查编码和名称不能为空")
    if questions < 1:
        raise InvalidInputError("每人题目数应至少为 1")
    survey = session.scalar(select(Survey).where(Survey.code == code.strip()))
    if survey is not None:
        if (survey.title, survey.held_on, survey.questions) != (title.strip(), held_on, questions):
            raise InvalidInputError(f"调查 {code} 已存在且内容不同")
        return survey
    survey = Survey(
        code=code.strip(), title=title.strip(), held_on=held_on, questions=questions, created_by=by_user
    )
    session.add(survey)
    session.flush()
    log_event(session, by_user, "survey", survey.code, "create", detail={"questions": questions})
    return survey


def get_survey(session: Session, code: str) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.code == code))
    if survey is None:
        raise NotFoundError(f"知晓率调查 {code} 不存在")
    return survey


def surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.held_on.desc(), Survey.code)))


def put_result(
    session: Session, survey: Survey, unit_code: str, respondents: int, correct: int, by_user: str
) -> None:
    """Record (replace) one unit's answers; correct answers cannot exceed respondents × questions."""
    units = UnitIndex.load(session)
    if unit_code not in units.by_code:
        raise NotFoundError(f"单位 {unit_code} 不存在")
    _check_result(respondents, correct, survey.questions)
    row = session.scalar(
        select(SurveyResult).where(SurveyResult.survey_id == survey.id, SurveyResult.unit_code == unit_code)
    )
    if row is None:
        session.add(
            SurveyResult(survey_id=survey.id, unit_code=unit_code, respondents=respondents, correct=correct)
        )
    else:
        row.respondents, row.correct = respondents, correct
    session.flush()
    log_event(session, by_user, "survey", survey.code, "result", detail={"unit": unit_code, "n": respondents})


def _check_result(respondents: int, correct: int, questions: int) -> str | None:
    if respondents < 1:
        raise InvalidInputError("调查人数应至少为 1")
    if correct < 0 or correct > respondents * questions:
        raise InvalidInputError(f"答对题数 {correct} 超出范围（0 至 {respondents * questions}）")
    return None


def import_results(session: Session, survey: Survey, path: Path, by_user: str) -> dict[str, Any]:
    """Results per unit from a sheet; bad rows reported; re-import replaces the same units' figures."""
    raw = read_rows(path, SURVEY_HEADERS, ("respondents", "correct"), label="知晓率调查结果")
    units = UnitIndex.load(session)
    problems: list[Problem] = []
    saved = 0
    for sheet, row_no, rec in raw:
        unit, why = units.resolve(rec.get("unit_code"), rec.get("unit_name"))
        n, why_n = parse_count(rec.get("respondents"))
        c, why_c = parse_count(rec.get("correct"))
        errs = [(f, w) for f, w in (("单位", why), ("调查人数", why_n), ("答对题数", why_c)) if w]
        if not errs:
            assert unit and n is not None and c is not None
            try:
                _check_result(n, c, survey.questions)
            except InvalidInputError as exc:
                errs.append(("答对题数" if n else "调查人数", exc.message))
        if errs:
            problems.extend(Problem(sheet, row_no, f, w) for f, w in errs)
            continue
        assert unit and n is not None and c is not None
        put_result(session, survey, unit, n, c, by_user)
        saved += 1
    return {
        "saved": saved,
        "rejected": len({(p.sheet, p.row) for p in problems}),
        "problems": [p.as_text() for p in problems],
    }


@dataclass(frozen=True)
class Awareness:
    unit_code: str
    unit_name: str
    level: int
    respondents: int
    correct: int
    asked: int

    @property
    def rate(self) -> Decimal | None:
        return periods.rate(self.correct, self.asked)


def awareness(session: Session, survey: Survey, scope: frozenset[str] | None = None) -> list[Awareness]:
    """Awareness rate per unit, rolled up (units without answers below them are left out)."""
    units = UnitIndex.load(session)
    values: dict[str, list[Decimal | int]] = {
        r.unit_code: [r.respondents, r.correct, r.respondents * survey.questions]
        for r in session.scalars(select(SurveyResult).where(SurveyResult.survey_id == survey.id))
    }
    rolled = units.rollup(values)
    return [
        Awareness(u.code, u.name, u.level, int(v[0]), int(v[1]), int(v[2]))
        for u in units.by_code.values()
        if (v := rolled.get(u.code)) is not None and (scope is None or u.code in scope)
    ]
