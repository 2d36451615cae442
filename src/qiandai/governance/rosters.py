"""Weekly install rosters (花名册): read a messy xlsx, validate every row, record installs once.

What a roster row must give: name, ID number, phone, unit (blank = the uploading unit) and install date.
Every row that is not counted is stored as a :class:`RosterProblem` with its sheet, row, field and a
Chinese reason — ``rejected`` (cannot be read or is invalid) or ``repeated`` (the person is already
counted). Idempotency, twice over: the same file for the same unit is recognised by its SHA-256 and
changes nothing; a person (keyed hash of the ID number) is counted once whatever the number of rosters.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InputFileError, InvalidInputError
from qiandai.domain.masking import mask_id_number, mask_name, mask_phone
from qiandai.governance.models.installs import Install, RosterImport, RosterProblem
from qiandai.governance.models.units import Unit
from qiandai.governance.rosters_cells import read_date, read_id_number, read_name, read_phone
from qiandai.governance.units import RowProblem, descendants, require_unit_in_scope, scope_units
from qiandai.governance.units_sheet import clean_text, iter_nonblank, read_sheet_records
from qiandai.identity.principal import Principal
from qiandai.store.base import now_utc
from qiandai.supervision import crypto

ROSTER_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "人员姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "id_number"),
    "phone": ("手机号", "手机号码", "联系电话", "电话", "手机", "phone"),
    "unit": ("单位", "所属单位", "村(社区)", "村（社区）", "村社区", "单位编码", "unit"),
    "install_date": ("安装日期", "安装时间", "注册日期", "注册时间", "install_date"),
}
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号",
    "unit": "单位",
    "install_date": "安装日期",
}
REJECTED = "rejected"
REPEATED = "repeated"
SEVERITY_LABELS = {REJECTED: "未采用", REPEATED: "重复上报（不重复计数）"}


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week: rosters and rankings are keyed by it."""
    return day - timedelta(days=day.weekday())


class Protector:
    """Keyed hashes and at-rest encryption of roster identities, with the key read once per import.

    The hash key is derived from (never equal to) the supervision module's Fernet key; the ciphertext
    is exactly what :func:`qiandai.supervision.crypto.encrypt` produces, so ``crypto.decrypt`` reads it.
    """

    def __init__(self) -> None:
        key = crypto._key()
        self._hmac = hmac.new(
            hashlib.sha256(b"qiandai-governance-person-key|" + key).digest(), digestmod="sha256"
        )
        self._fernet = Fernet(key)

    def _digest(self, message: bytes) -> str:
        h = self._hmac.copy()
        h.update(message)
        return h.hexdigest()

    def person_key(self, id_number: str) -> str:
        return self._digest(b"id|" + id_number.upper().encode())

    def phone_key(self, phone: str) -> str:
        return self._digest(b"phone|" + phone.encode())

    def encrypt(self, data: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(data, ensure_ascii=False).encode()).decode()


def person_key(id_number: str) -> str:
    return Protector().person_key(id_number)


def phone_key(phone: str) -> str:
    return Protector().phone_key(phone)


@dataclass
class RosterReport:
    import_id: int
    unit_code: str
    week: date
    rows_total: int
    accepted: int
    repeated: int
    rejected: int
    already_imported: bool = False
    problems: list[tuple[RowProblem, str]] = field(default_factory=list)  # (problem, severity)

    def summary(self) -> str:
        if self.already_imported:
            return f"该花名册此前已导入（批次 {self.import_id}），本次未作任何改动"
        return (
            f"花名册共 {self.rows_total} 行：新增安装 {self.accepted} 人，"
            f"重复上报 {self.repeated} 行（不重复计数），未采用 {self.rejected} 行"
        )


@dataclass
class _Row:
    sheet: str
    row: int
    name: str
    id_number: str
    phone: str
    unit_code: str
    install_date: date


def _resolve_unit(
    text: str, units_by_code: dict[str, Unit], units_by_name: dict[str, list[Unit]]
) -> Unit | None:
    if text in units_by_code:
        return units_by_code[text]
    found = units_by_name.get(text, [])
    return found[0] if len(found) == 1 else None


IN_CHUNK = 5000  # below SQLite's and PostgreSQL's bound-parameter limits


def _installs_by(session: Session, column: Any, keys: list[str]) -> list[Install]:
    """Installs whose ``column`` is one of ``keys``, queried in chunks (a roster may hold 50,000 rows)."""
    found: list[Install] = []
    for start in range(0, len(keys), IN_CHUNK):
        found.extend(session.scalars(select(Install).where(column.in_(keys[start : start + IN_CHUNK]))))
    return found


def import_roster_records(
    session: Session,
    principal: Principal,
    unit_code: str,
    records: Iterable[tuple[str, int, dict[str, Any]]],
    *,
    content_sha256: str,
    filename: str,
    week: date | None = None,
    today: date | None = None,
) -> RosterReport:
    """Validate and record roster rows ``(sheet, row, {field: raw cell})`` uploaded by ``unit_code``."""
    uploader = require_unit_in_scope(session, principal, unit_code)
    today = today or date.today()
    week = week_of(week or today)
    prior = session.scalar(
        select(RosterImport).where(
            RosterImport.unit_code == unit_code, RosterImport.content_sha256 == content_sha256
        )
    )
    if prior is not None:
        stored = session.scalars(
            select(RosterProblem).where(RosterProblem.import_id == prior.id).order_by(RosterProblem.id)
        )
        return RosterReport(
            import_id=prior.id,
            unit_code=unit_code,
            week=prior.week,
            rows_total=prior.rows_total,
            accepted=prior.accepted,
            repeated=prior.repeated,
            rejected=prior.rejected,
            already_imported=True,
            problems=[(RowProblem(p.sheet, p.row, p.field, p.reason), p.severity) for p in stored],
        )

    allowed = descendants(session, uploader.code)
    units = {u.code: u for u in session.scalars(select(Unit))}
    by_name: dict[str, list[Unit]] = {}
    for u in units.values():
        by_name.setdefault(u.name, []).append(u)

    problems: list[tuple[RowProblem, str, str]] = []  # (problem, severity, masked name)
    good: list[_Row] = []
    total = 0
    for sheet, row_no, rec in records:
        total += 1
        name, why_name = read_name(rec.get("name"))
        id_number, why_id = read_id_number(rec.get("id_number"), today=today)
        phone, why_phone = read_phone(rec.get("phone"))
        day, why_date = read_date(rec.get("install_date"), today=today)
        unit_text = clean_text(rec.get("unit"))
        if isinstance(rec.get("unit"), float) and float(rec["unit"]).is_integer():
            unit_text = str(int(rec["unit"]))
        why_unit: str | None = None
        unit = uploader if not unit_text else _resolve_unit(unit_text, units, by_name)
        if unit is None:
            why_unit = f"单位“{unit_text}”不存在或名称不唯一"
        elif unit.code not in allowed:
            why_unit = f"单位“{unit.name}”不属于上传单位“{uploader.name}”的辖区"
        shown = mask_name(name or clean_text(rec.get("name")))
        errors = [
            (f, why)
            for f, why in (
                ("name", why_name),
                ("id_number", why_id),
                ("phone", why_phone),
                ("unit", why_unit),
                ("install_date", why_date),
            )
            if why is not None
        ]
        if errors:
            problems.extend(
                (RowProblem(sheet, row_no, FIELD_LABELS[f], why), REJECTED, shown) for f, why in errors
            )
            continue
        assert name and id_number and phone and day and unit
        good.append(_Row(sheet, row_no, name, id_number, phone, unit.code, day))

    # duplicates within this roster, then against installs recorded earlier
    first_by_person: dict[str, _Row] = {}
    first_by_phone: dict[str, _Row] = {}
    protect = Protector()
    keys = {id(r): (protect.person_key(r.id_number), protect.phone_key(r.phone)) for r in good}
    person_keys = [k[0] for k in keys.values()]
    phone_keys = [k[1] for k in keys.values()]
    known_people = {i.person_key: i for i in _installs_by(session, Install.person_key, person_keys)}
    known_phones = {i.phone_key: i for i in _installs_by(session, Install.phone_key, phone_keys)}
    fresh: list[_Row] = []
    repeated = 0
    for r in good:
        pk, hk = keys[id(r)]
        shown = mask_name(r.name)
        if pk in first_by_person:
            other = first_by_person[pk]
            problems.append(
                (
                    RowProblem(r.sheet, r.row, "身份证号", f"与第 {other.row} 行为同一人（身份证号重复）"),
                    REJECTED,
                    shown,
                )
            )
            continue
        first_by_person[pk] = r
        if hk in first_by_phone:
            other = first_by_phone[hk]
            problems.append(
                (
                    RowProblem(r.sheet, r.row, "手机号", f"手机号与第 {other.row} 行重复（不同人员）"),
                    REJECTED,
                    shown,
                )
            )
            continue
        first_by_phone[hk] = r
        if pk in known_people:
            earlier = known_people[pk]
            where = units[earlier.unit_code].name if earlier.unit_code in units else earlier.unit_code
            problems.append(
                (
                    RowProblem(
                        r.sheet,
                        r.row,
                        "身份证号",
                        f"该人员已于 {earlier.week.isoformat()} 周由“{where}”登记，不重复计数",
                    ),
                    REPEATED,
                    shown,
                )
            )
            repeated += 1
            continue
        if hk in known_phones:
            earlier = known_phones[hk]
            where = units[earlier.unit_code].name if earlier.unit_code in units else earlier.unit_code
            problems.append(
                (
                    RowProblem(
                        r.sheet,
                        r.row,
                        "手机号",
                        f"手机号已被其他人员登记（“{where}”，{earlier.week.isoformat()} 周）",
                    ),
                    REJECTED,
                    shown,
                )
            )
            continue
        fresh.append(r)

    rejected_rows = len({(p.sheet, p.row) for p, sev, _ in problems if sev == REJECTED})
    batch = RosterImport(
        unit_code=unit_code,
        week=week,
        filename=filename[:255],
        content_sha256=content_sha256,
        rows_total=total,
        accepted=len(fresh),
        repeated=repeated,
        rejected=rejected_rows,
        imported_by=principal.username,
        imported_at=now_utc(),
    )
    session.add(batch)
    session.flush()
    now = now_utc()
    install_rows = []
    for r in fresh:
        pk, hk = keys[id(r)]
        install_rows.append(
            {
                "person_key": pk,
                "phone_key": hk,
                "unit_code": r.unit_code,
                "install_date": r.install_date,
                "week": week,
                "import_id": batch.id,
                "source_row": r.row,
                "name_masked": mask_name(r.name),
                "id_masked": mask_id_number(r.id_number),
                "phone_masked": mask_phone(r.phone),
                "identity_enc": protect.encrypt({"name": r.name, "id_number": r.id_number, "phone": r.phone}),
                "created_at": now,
            }
        )
    if install_rows:
        session.execute(insert(Install), install_rows)
    problems.sort(key=lambda t: (t[0].sheet, t[0].row))
    if problems:
        session.execute(
            insert(RosterProblem),
            [
                {
                    "import_id": batch.id,
                    "unit_code": unit_code,
                    "sheet": p.sheet[:100],
                    "row": p.row,
                    "field": p.field,
                    "reason": p.reason[:500],
                    "severity": sev,
                    "name_masked": shown,
                }
                for p, sev, shown in problems
            ],
        )
    session.flush()
    return RosterReport(
        import_id=batch.id,
        unit_code=unit_code,
        week=week,
        rows_total=total,
        accepted=len(fresh),
        repeated=repeated,
        rejected=rejected_rows,
        problems=[(p, sev) for p, sev, _ in problems],
    )


def import_roster_xlsx(
    session: Session,
    principal: Principal,
    unit_code: str,
    path: Path,
    *,
    week: date | None = None,
    today: date | None = None,
    filename: str | None = None,
) -> RosterReport:
    """Import the roster file at ``path`` for ``unit_code`` (every sheet with a roster header)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputFileError(str(path), f"无法读取文件（{exc.strerror}）") from None
    sheets = read_sheet_records(path, ROSTER_HEADERS, ("name", "id_number", "phone"), label="花名册")
    missing = [FIELD_LABELS[f] for f in ("install_date",) if all(f not in s.columns for s in sheets)]
    if missing:
        raise InputFileError(str(path), f"花名册缺少列：{'、'.join(missing)}")
    records = [(s.sheet, row, rec) for s in sheets for row, rec in iter_nonblank(s)]
    return import_roster_records(
        session,
        principal,
        unit_code,
        records,
        content_sha256=hashlib.sha256(content).hexdigest(),
        filename=filename or path.name,
        week=week,
        today=today,
    )


@dataclass(frozen=True)
class ProblemLine:
    unit_code: str
    unit_name: str
    week: date
    filename: str
    sheet: str
    row: int
    field: str
    reason: str
    severity: str
    name_masked: str


PROBLEM_HEADERS = (
    "上报单位",
    "单位编码",
    "周次（周一）",
    "文件",
    "工作表",
    "行号",
    "字段",
    "问题",
    "处理",
    "姓名",
)


def problem_lines(
    session: Session,
    principal: Principal,
    *,
    unit_code: str | None = None,
    week: date | None = None,
    import_id: int | None = None,
) -> list[ProblemLine]:
    """Problems of rosters uploaded by units in the caller's scope (optionally one unit's subtree / week)."""
    visible = scope_units(session, principal)
    if unit_code is not None:
        require_unit_in_scope(session, principal, unit_code)
        visible = frozenset(visible & descendants(session, unit_code))
    stmt = (
        select(RosterProblem, RosterImport, Unit)
        .join(RosterImport, RosterImport.id == RosterProblem.import_id)
        .join(Unit, Unit.code == RosterImport.unit_code)
        .where(RosterImport.unit_code.in_(visible))
        .order_by(
            RosterImport.unit_code,
            RosterImport.week,
            RosterProblem.sheet,
            RosterProblem.row,
            RosterProblem.id,
        )
    )
    if week is not None:
        stmt = stmt.where(RosterImport.week == week_of(week))
    if import_id is not None:
        stmt = stmt.where(RosterImport.id == import_id)
    return [
        ProblemLine(
            unit_code=u.code,
            unit_name=u.name,
            week=b.week,
            filename=b.filename,
            sheet=p.sheet,
            row=p.row,
            field=p.field,
            reason=p.reason,
            severity=SEVERITY_LABELS.get(p.severity, p.severity),
            name_masked=p.name_masked,
        )
        for p, b, u in session.execute(stmt)
    ]


def problem_rows(lines: list[ProblemLine]) -> list[list[Any]]:
    """Rows for an xlsx export with :data:`PROBLEM_HEADERS`."""
    return [
        [
            ln.unit_name,
            ln.unit_code,
            ln.week,
            ln.filename,
            ln.sheet,
            ln.row,
            ln.field,
            ln.reason,
            ln.severity,
            ln.name_masked,
        ]
        for ln in lines
    ]


def roster_imports(session: Session, principal: Principal, *, limit: int = 200) -> list[RosterImport]:
    visible = scope_units(session, principal)
    stmt = (
        select(RosterImport)
        .where(RosterImport.unit_code.in_(visible))
        .order_by(RosterImport.imported_at.desc(), RosterImport.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def check_week(value: str) -> date:
    """A week given as a date (any day of it): ``2026-11-16``; Chinese error otherwise."""
    try:
        return week_of(date.fromisoformat(value.strip()))
    except ValueError:
        raise InvalidInputError(f"周次应为日期（如 2026-11-16）：{value}") from None
