"""High-risk persons (一人一档): person files, contact records and reduction campaigns (核减).

Files are imported from a sheet (xlsx/CSV) or entered on a form: name, ID number, phone, category,
unit, relation (本人/家属), suspect flag, responsible officer, date opened. One file per person and
category: the key is a keyed HMAC of the ID number (``id_digest``), so re-importing updates, never
doubles, and the digest reveals nothing without the key. Name, ID number and phone are shown masked
everywhere (``张**``, ``330***********1234``, ``138****5678``); the full identity is Fernet-encrypted
and returned only by :func:`reveal`, which requires a reason and writes the access log.

Messy cells are read when unambiguous: full-width digits, spaces and dashes in phone numbers; an ID
number saved as a number in scientific notation (``3.30102E+17``) has lost digits and is rejected.

A reduction campaign (``16 persons, 80 % reduced by the 20th``) enrols the files that are open at its
start in a unit's subtree (optionally one category); :func:`progress` gives each unit's enrolled,
reduced and rate as of a day, and the day-by-day cumulative series for the whole campaign.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from qiandai.domain.masking import mask_id_number, mask_name, mask_phone
from qiandai.governance import periods
from qiandai.governance.cases_io import (
    Problem,
    Raw,
    UnitIndex,
    log_event,
    parse_date,
    parse_flag,
    read_rows,
    rows_by_keys,
)
from qiandai.governance.models.persons import PersonContact, PersonFile, ReductionCampaign, ReductionItem
from qiandai.governance.rosters_cells import read_id_number, read_phone
from qiandai.governance.units_sheet import clean_text
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.identity.service import log_unmasked_view
from qiandai.store.base import SHANGHAI, now_utc
from qiandai.supervision import crypto

CATEGORIES = ("前科", "高危", "两卡人员", "回流", "拦截", "滞留境外涉诈")
RELATIONS = ("本人", "家属")
CONTACT_CHANNELS = ("走访", "电话", "视频", "约谈", "其他")
REVEAL_ROLES = (Role.GOVERNANCE, Role.LEADER, Role.ADMIN)

PERSON_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number"),
    "phone": ("手机号", "手机号码", "联系电话", "电话", "phone"),
    "category": ("人员类别", "类别", "类型", "category"),
    "unit_code": ("单位编码", "unit_code"),
    "unit_name": ("所属单位", "单位", "村社区", "单位名称", "unit"),
    "relation": ("关系", "与职工关系", "人员关系", "relation"),
    "suspect": ("涉诈嫌疑", "是否涉诈嫌疑人", "涉诈嫌疑人", "suspect"),
    "officer": ("责任人", "责任民警", "包保责任人", "officer"),
    "opened_on": ("建档日期", "建档时间", "opened_on"),
    "note": ("备注", "note"),
}
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "category": "人员类别",
    "unit": "所属单位",
    "relation": "关系",
    "suspect": "涉诈嫌疑",
    "opened_on": "建档日期",
}


def id_digest(id_number: str) -> str:
    """Keyed digest of an ID number (HMAC-SHA256 with the platform's encryption key)."""
    return hmac.new(crypto._key(), id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PersonRow:
    name: str
    id_number: str
    phone: str
    category: str
    unit_code: str
    relation: str
    suspect: bool
    officer: str
    opened_on: date
    note: str


def parse_person_rows(
    raw: Iterable[Raw], units: UnitIndex, today: date
) -> tuple[list[PersonRow], list[Problem]]:
    rows: list[PersonRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for sheet, row_no, rec in raw:
        errs: list[tuple[str, str]] = []
        name = clean_text(rec.get("name"))
        if not name:
            errs.append(("name", "姓名为空"))
        id_number, why = read_id_number(rec.get("id_number"), today=today)
        if why:
            errs.append(("id_number", why))
        phone: str | None = ""  # optional in a person file; when given it must be a mobile number
        if clean_text(rec.get("phone")):
            phone, why = read_phone(rec.get("phone"))
            if why:
                errs.append(("phone", why))
        category = clean_text(rec.get("category"))
        if category not in CATEGORIES:
            errs.append(("category", f"人员类别“{category}”无效（可选：{'、'.join(CATEGORIES)}）"))
        unit, why = units.resolve(rec.get("unit_code"), rec.get("unit_name"))
        if why:
            errs.append(("unit", why))
        relation = clean_text(rec.get("relation")) or "本人"
        if relation in ("职工", "居民", "本人员"):
            relation = "本人"
        if relation in ("家属", "家庭成员", "亲属") or relation.endswith("家属"):
            relation = "家属"
        if relation not in RELATIONS:
            errs.append(("relation", f"关系“{relation}”无效（可选：本人、家属）"))
        suspect, why = parse_flag(rec.get("suspect"))
        if why:
            errs.append(("suspect", why))
        opened, why = parse_date(rec.get("opened_on"))
        if why == "为空":
            opened, why = today, None
        if why:
            errs.append(("opened_on", why))
        elif opened is not None and opened > today:
            errs.append(("opened_on", f"建档日期 {opened} 晚于今天"))
        if not errs:
            assert id_number
            key = (id_number, category)
            if key in seen:
                errs.append(("id_number", f"同一人同一类别与工作表“{seen[key][0]}”第 {seen[key][1]} 行重复"))
        if errs:
            problems.extend(Problem(sheet, row_no, FIELD_LABELS[f], r) for f, r in errs)
            continue
        assert id_number and phone is not None and unit and suspect is not None and opened
        seen[(id_number, category)] = (sheet, row_no)
        rows.append(
            PersonRow(
                name,
                id_number,
                phone,
                category,
                unit,
                relation,
                suspect,
                clean_text(rec.get("officer"))[:64],
                opened,
                clean_text(rec.get("note")),
            )
        )
    return rows, problems


@dataclass
class PersonImportReport:
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


def _next_numbers(session: Session, count: int) -> list[str]:
    year = now_utc().astimezone(SHANGHAI).year
    prefix = f"RY{year}-"
    last = session.scalar(select(func.max(PersonFile.file_no)).where(PersonFile.file_no.like(f"{prefix}%")))
    start = int(last[len(prefix) :]) + 1 if last else 1
    return [f"{prefix}{n:05d}" for n in range(start, start + count)]


def upsert_persons(session: Session, rows: list[PersonRow], by_user: str) -> PersonImportReport:
    report = PersonImportReport()
    digests = {id_digest(r.id_number): r for r in rows}
    existing = {
        (p.id_digest, p.category): p for p in rows_by_keys(session, PersonFile.id_digest, list(digests))
    }
    new_rows = [r for r in rows if (id_digest(r.id_number), r.category) not in existing]
    numbers = iter(_next_numbers(session, len(new_rows)))
    now = now_utc()
    for r in rows:
        digest = id_digest(r.id_number)
        values = {
            "name_masked": mask_name(r.name),
            "id_masked": mask_id_number(r.id_number),
            "phone_masked": mask_phone(r.phone),
            "unit_code": r.unit_code,
            "relation": r.relation,
            "suspect": r.suspect,
            "officer": r.officer,
            "opened_on": r.opened_on,
            "note": r.note,
        }
        old = existing.get((digest, r.category))
        if old is None:
            session.add(
                PersonFile(
                    file_no=next(numbers),
                    category=r.category,
                    id_digest=digest,
                    cipher=crypto.encrypt({"name": r.name, "id_number": r.id_number, "phone": r.phone}),
                    reduced_note="",
                    updated_at=now,
                    **values,
                )
            )
            report.created += 1
            continue
        full = crypto.decrypt(old.cipher)
        same_identity = full.get("name") == r.name and full.get("phone") == r.phone
        if same_identity and all(getattr(old, k) == v for k, v in values.items()):
            report.unchanged += 1
            continue
        for k, v in values.items():
            setattr(old, k, v)
        if not same_identity:
            old.cipher = crypto.encrypt({"name": r.name, "id_number": r.id_number, "phone": r.phone})
        old.updated_at = now
        report.updated += 1
    session.flush()
    return report


def _today() -> date:
    return now_utc().astimezone(SHANGHAI).date()


def import_persons(
    session: Session,
    path: Path,
    by_user: str,
    *,
    today: date | None = None,
    scope: frozenset[str] | None = None,
) -> PersonImportReport:
    raw = read_rows(path, PERSON_HEADERS, ("name", "id_number", "category"), label="重点人员档案")
    rows, problems = parse_person_rows(raw, UnitIndex.load(session, scope), today or _today())
    report = upsert_persons(session, rows, by_user)
    report.problems = problems
    detail = report.as_dict() | {"problems": len(problems)}  # problem texts carry no full identities
    log_event(session, by_user, "person_import", path.name, "import", detail=detail)
    return report


def add_person(
    session: Session,
    fields: dict[str, Any],
    by_user: str,
    *,
    today: date | None = None,
    scope: frozenset[str] | None = None,
) -> PersonFile:
    rows, problems = parse_person_rows(
        [("表单", 1, fields)], UnitIndex.load(session, scope), today or _today()
    )
    if problems:
        raise InvalidInputError("；".join(f"{p.field}：{p.reason}" for p in problems))
    upsert_persons(session, rows, by_user)
    person = session.scalar(
        select(PersonFile).where(
            PersonFile.id_digest == id_digest(rows[0].id_number), PersonFile.category == rows[0].category
        )
    )
    assert person is not None
    log_event(session, by_user, "person", person.file_no, "save")
    return person


def persons(
    session: Session,
    codes: frozenset[str] | None,
    *,
    category: str | None = None,
    open_only: bool = False,
) -> list[PersonFile]:
    stmt = select(PersonFile).order_by(PersonFile.unit_code, PersonFile.file_no)
    if category:
        stmt = stmt.where(PersonFile.category == category)
    if open_only:
        stmt = stmt.where(PersonFile.reduced_on.is_(None))
    if codes is not None:
        stmt = stmt.where(PersonFile.unit_code.in_(sorted(codes)))
    return list(session.scalars(stmt))


def get_person(session: Session, file_no: str, codes: frozenset[str] | None) -> PersonFile:
    person = session.scalar(select(PersonFile).where(PersonFile.file_no == file_no))
    if person is None or (codes is not None and person.unit_code not in codes):
        raise NotFoundError(f"重点人员档案 {file_no} 不存在")
    return person


def reveal(session: Session, principal: Principal, person: PersonFile, reason: str) -> dict[str, str]:
    """The unmasked identity of a file: 反诈办/领导/管理员 only, with a reason, access-logged."""
    if not principal.has_role(*REVEAL_ROLES):
        raise PermissionDeniedError("仅反诈办/平安办工作人员、领导可查看重点人员明文信息")
    if len(reason.strip()) < 2:
        raise InvalidInputError("查看明文信息须填写理由")
    full = crypto.decrypt(person.cipher)
    log_unmasked_view(
        session, principal, "gov_person", person.file_no, ["name", "id_number", "phone"], reason
    )
    return {"name": full["name"], "id_number": full["id_number"], "phone": full.get("phone", "")}


def add_contact(
    session: Session, person: PersonFile, on: date, channel: str, note: str, by_user: str
) -> PersonContact:
    if channel not in CONTACT_CHANNELS:
        raise InvalidInputError(f"联系方式“{channel}”无效（可选：{'、'.join(CONTACT_CHANNELS)}）")
    if on > _today():
        raise InvalidInputError(f"联系日期 {on} 晚于今天")
    if not note.strip():
        raise InvalidInputError("联系情况不能为空")
    contact = PersonContact(person_id=person.id, on=on, channel=channel, by_user=by_user, note=note.strip())
    session.add(contact)
    session.flush()
    log_event(
        session, by_user, "person", person.file_no, "contact", detail={"channel": channel, "on": str(on)}
    )
    return contact


def contacts(session: Session, person: PersonFile) -> list[PersonContact]:
    stmt = select(PersonContact).where(PersonContact.person_id == person.id).order_by(PersonContact.on.desc())
    return list(session.scalars(stmt))


def reduce(session: Session, person: PersonFile, on: date, note: str, by_user: str) -> PersonFile:
    """核减 a file on ``on`` (not in the future; not before it was opened); the same again is a no-op."""
    if person.reduced_on is not None:
        if person.reduced_on == on:
            return person
        raise InvalidInputError(f"档案 {person.file_no} 已于 {person.reduced_on} 核减")
    if on > _today():
        raise InvalidInputError(f"核减日期 {on} 晚于今天")
    if on < person.opened_on:
        raise InvalidInputError(f"核减日期 {on} 早于建档日期 {person.opened_on}")
    if not note.strip():
        raise InvalidInputError("核减须说明理由（如已回国投案、已稳控、已教育转化）")
    person.reduced_on, person.reduced_note, person.updated_at = on, note.strip(), now_utc()
    session.flush()
    log_event(session, by_user, "person", person.file_no, "reduce", note=note.strip(), detail={"on": str(on)})
    return person


# ---------------------------------------------------------------- reduction campaigns


def create_campaign(
    session: Session,
    name: str,
    unit_code: str,
    target_pct: int,
    start_on: date,
    due_on: date,
    by_user: str,
    *,
    category: str | None = None,
) -> ReductionCampaign:
    """A campaign over the files open at ``start_on`` in ``unit_code``'s subtree (and ``category``)."""
    units = UnitIndex.load(session)
    if unit_code not in units.by_code:
        raise NotFoundError(f"单位 {unit_code} 不存在")
    if not name.strip():
        raise InvalidInputError("核减任务名称不能为空")
    if not 1 <= target_pct <= 100:
        raise InvalidInputError("核减目标比例应在 1% 至 100% 之间")
    if due_on < start_on:
        raise InvalidInputError("完成期限早于开始日期")
    if category is not None and category not in CATEGORIES:
        raise InvalidInputError(f"人员类别“{category}”无效")
    subtree = units.subtree(unit_code)
    enrolled = [
        p
        for p in persons(session, frozenset(subtree), category=category)
        if p.opened_on <= start_on and (p.reduced_on is None or p.reduced_on >= start_on)
    ]
    if not enrolled:
        raise InvalidInputError("该单位（及下级）在开始日没有在档重点人员，无需核减")
    campaign = ReductionCampaign(
        name=name.strip(),
        unit_code=unit_code,
        category=category,
        target_pct=target_pct,
        start_on=start_on,
        due_on=due_on,
        created_by=by_user,
    )
    session.add(campaign)
    session.flush()
    for p in enrolled:
        session.add(ReductionItem(campaign_id=campaign.id, person_id=p.id, unit_code=p.unit_code))
    session.flush()
    log_event(session, by_user, "reduction", campaign.id, "create", detail={"enrolled": len(enrolled)})
    return campaign


def campaigns(session: Session, codes: frozenset[str] | None = None) -> list[ReductionCampaign]:
    items = list(session.scalars(select(ReductionCampaign).order_by(ReductionCampaign.start_on.desc())))
    return [c for c in items if codes is None or c.unit_code in codes]


def get_campaign(
    session: Session, campaign_id: int, codes: frozenset[str] | None = None
) -> ReductionCampaign:
    c = session.get(ReductionCampaign, campaign_id)
    if c is None or (codes is not None and c.unit_code not in codes):
        raise NotFoundError(f"核减任务 {campaign_id} 不存在")
    return c


@dataclass(frozen=True)
class UnitProgress:
    unit_code: str
    unit_name: str
    level: int
    enrolled: int
    reduced: int
    target: int  # persons that must be reduced: ceil(enrolled × pct / 100)

    @property
    def pct(self) -> Decimal | None:
        return periods.rate(self.reduced, self.enrolled)

    @property
    def meets(self) -> bool:
        return self.reduced >= self.target


@dataclass(frozen=True)
class Progress:
    campaign: ReductionCampaign
    as_of: date
    total: UnitProgress
    units: list[UnitProgress]
    daily: list[tuple[date, int]]  # cumulative reduced at the end of each day

    @property
    def overdue(self) -> bool:
        return self.as_of > self.campaign.due_on and not self.total.meets


def target_count(enrolled: int, pct: int) -> int:
    """Persons to reduce: ``ceil(enrolled × pct / 100)`` (16 × 80 % = 12.8 → 13)."""
    return math.ceil(Decimal(enrolled) * pct / 100)


def progress(session: Session, campaign: ReductionCampaign, as_of: date | None = None) -> Progress:
    """Progress of ``campaign`` counting reductions made on or before ``as_of`` (default today)."""
    day = as_of or _today()
    units = UnitIndex.load(session)
    items = session.execute(
        select(ReductionItem.unit_code, PersonFile.reduced_on)
        .join(PersonFile, PersonFile.id == ReductionItem.person_id)
        .where(ReductionItem.campaign_id == campaign.id)
    ).all()
    values: dict[str, list[Decimal | int]] = {}
    reduced_days: list[date] = []
    for code, reduced_on in items:
        done = reduced_on is not None and campaign.start_on <= reduced_on <= day
        acc = values.setdefault(code, [0, 0])
        acc[0] = acc[0] + 1
        acc[1] = acc[1] + int(done)
        if done and reduced_on is not None:
            reduced_days.append(reduced_on)
    rolled = units.rollup(values)
    rows = [
        UnitProgress(
            code,
            units.name(code),
            units.by_code[code].level,
            int(v[0]),
            int(v[1]),
            target_count(int(v[0]), campaign.target_pct),
        )
        for code, v in rolled.items()
        if code in units.by_code and campaign.unit_code in units.chain(code)
    ]
    rows.sort(key=lambda r: (r.level, r.unit_code))
    total = next((r for r in rows if r.unit_code == campaign.unit_code), None) or UnitProgress(
        campaign.unit_code, units.name(campaign.unit_code), 0, 0, 0, 0
    )
    last = min(day, campaign.due_on) if day >= campaign.start_on else campaign.start_on
    daily: list[tuple[date, int]] = []
    current = campaign.start_on
    while current <= last:
        daily.append((current, sum(1 for d in reduced_days if d <= current)))
        current += timedelta(days=1)
    return Progress(campaign, day, total, rows, daily)
