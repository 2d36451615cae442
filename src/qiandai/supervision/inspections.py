"""Random inspections (双随机、一公开): expert pool, recorded draws, replay, publication, and the
inspection findings that feed the review workflow (entering at 复审)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from qiandai.domain.errors import InvalidInputError, PermissionDeniedError
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.supervision import drawing, events
from qiandai.supervision.config import get_config
from qiandai.supervision.models import Draw, DrawInspector, DrawTarget, Expert, Finding, Institution
from qiandai.supervision.money import money as to_money
from qiandai.supervision.repository import ScopedRepository
from qiandai.supervision.stages import SECOND_REVIEW

SPECIALITIES = ("医保", "医务", "药学", "财务", "物价")
KINDS = ("hospital", "clinic", "pharmacy")


def add_expert(
    repo: ScopedRepository,
    name: str,
    speciality: str,
    region_code: str,
    employer_code: str | None = None,
    username: str | None = None,
) -> Expert:
    if not repo.principal.has_role(Role.ADMIN, Role.REVIEWER):
        raise PermissionDeniedError("仅管理员、审核员可维护专家库")
    if speciality not in SPECIALITIES:
        raise InvalidInputError(f"专业应为：{'、'.join(SPECIALITIES)}")
    return repo.add(
        Expert(
            name=name,
            speciality=speciality,
            region_code=region_code,
            employer_code=employer_code,
            username=username,
            active=True,
        )
    )


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def make_draw(
    repo: ScopedRepository,
    *,
    title: str,
    count: int,
    seed: str,
    kinds: list[str] | None = None,
    stratify: bool = True,
    weighted: bool = True,
    specialities: list[str] | None = None,
    now: datetime | None = None,
) -> Draw:
    """Draw ``count`` institutions of the caller's region and a team per target; everything recorded."""
    if not repo.principal.has_role(Role.REVIEWER, Role.LEADER):
        raise PermissionDeniedError("仅审核员、领导可组织抽取")
    specs = specialities or ["医保", "医务"]
    if bad := [s for s in specs if s not in SPECIALITIES] + [k for k in kinds or [] if k not in KINDS]:
        raise InvalidInputError(f"无效的专业或机构类型：{bad}")
    if count < 1:
        raise InvalidInputError("抽取数量至少为 1")
    stmt = (
        repo.select(Institution)
        .where(Institution.agreement_status != "terminated")
        .order_by(Institution.code)
    )
    if kinds:
        stmt = stmt.where(Institution.kind.in_(kinds))
    insts = repo.all(stmt)
    experts = repo.all(repo.select(Expert).where(Expert.active.is_(True)).order_by(Expert.id))
    inputs = {
        "institutions": [[i.code, i.kind, i.region_code, str(i.risk_score)] for i in insts],
        "experts": [[e.id, e.speciality, e.employer_code, e.region_code] for e in experts],
        "exclusions": get_config(repo.session, "draw"),
    }
    params = {
        "count": count,
        "stratify": stratify,
        "weighted": weighted,
        "specialities": specs,
        "kinds": kinds or [],
    }
    result = drawing.run(inputs, params, seed)
    region = repo.principal.region_code or "000000"
    draw = repo.add(
        Draw(
            draw_no=repo.next_number(Draw, Draw.draw_no, "SJ-"),
            title=title,
            region_code=region,
            seed=seed,
            params=params,
            inputs=inputs,
            inputs_sha256=_digest(inputs),
            result_sha256=_digest(_result_doc(result)),
            created_by=repo.principal.username,
            created_at=now or now_utc(),
        )
    )
    by_code = {i.code: i for i in insts}
    for pos, p in enumerate(result, start=1):
        target = repo.add(
            DrawTarget(
                draw_id=draw.id,
                institution_code=p.code,
                region_code=by_code[p.code].region_code,
                stratum=p.stratum,
                weight=p.weight,
                position=pos,
            )
        )
        for expert_id, spec in p.inspectors:
            repo.add(
                DrawInspector(draw_id=draw.id, target_id=target.id, expert_id=expert_id, speciality=spec)
            )
    events.record(
        repo,
        "draw",
        draw.id,
        "draw",
        to_state="drawn",
        detail={"seed": seed, "inputs_sha256": draw.inputs_sha256, "result_sha256": draw.result_sha256},
    )
    return draw


def _result_doc(result: list[drawing.Picked]) -> list[Any]:
    return [[p.code, p.stratum, str(p.weight), [list(x) for x in p.inspectors]] for p in result]


def replay(repo: ScopedRepository, draw_id: int) -> bool:
    """Recompute the draw from its recorded seed and inputs; True when the result is identical."""
    draw = repo.get(Draw, draw_id, "抽取记录")
    if _digest(draw.inputs) != draw.inputs_sha256:
        return False
    return _digest(_result_doc(drawing.run(draw.inputs, draw.params, draw.seed))) == draw.result_sha256


def publish(repo: ScopedRepository, draw_id: int, now: datetime | None = None) -> Draw:
    if not repo.principal.has_role(Role.REVIEWER, Role.LEADER):
        raise PermissionDeniedError("仅审核员、领导可公开抽取结果")
    draw = repo.get(Draw, draw_id, "抽取记录")
    if draw.published_at is None:
        draw.published_at = now or now_utc()
        events.record(repo, "draw", draw.id, "publish", from_state="drawn", to_state="published")
    return draw


def details(repo: ScopedRepository, draw_id: int) -> dict[str, Any]:
    """The draw with targets and inspectors (names of institutions and experts)."""
    draw = repo.get(Draw, draw_id, "抽取记录")
    targets = repo.session.scalars(
        select(DrawTarget).where(DrawTarget.draw_id == draw.id).order_by(DrawTarget.position)
    ).all()
    teams: dict[int, list[dict[str, Any]]] = {}
    rows = repo.session.execute(
        select(DrawInspector, Expert)
        .join(Expert, Expert.id == DrawInspector.expert_id)
        .where(DrawInspector.draw_id == draw.id)
        .order_by(DrawInspector.id)
    ).all()
    for di, ex in rows:
        teams.setdefault(di.target_id, []).append(
            {"expert_id": ex.id, "name": ex.name, "speciality": di.speciality}
        )
    names = {
        i.code: i
        for i in repo.session.scalars(
            select(Institution).where(Institution.code.in_([t.institution_code for t in targets]))
        )
    }
    return {
        "draw": draw,
        "targets": [
            {
                "position": t.position,
                "institution_code": t.institution_code,
                "institution_name": names[t.institution_code].name,
                "kind": names[t.institution_code].kind,
                "stratum": t.stratum,
                "weight": t.weight,
                "inspectors": teams.get(t.id, []),
            }
            for t in targets
        ],
    }


def record_finding(
    repo: ScopedRepository,
    draw_id: int,
    institution_code: str,
    *,
    rule_name: str,
    evidence: str,
    amount: Decimal,
    result_type: str = "明确违规",
    now: datetime | None = None,
) -> Finding:
    """An inspection finding on a drawn institution; it enters the review workflow at 复审."""
    if not repo.principal.has_role(Role.EXPERT, Role.AUDITOR):
        raise PermissionDeniedError("仅检查专家、稽核员可登记检查发现")
    draw = repo.get(Draw, draw_id, "抽取记录")
    target = repo.session.scalars(
        select(DrawTarget).where(
            DrawTarget.draw_id == draw.id, DrawTarget.institution_code == institution_code
        )
    ).one_or_none()
    if target is None:
        raise InvalidInputError(f"机构 {institution_code} 不在本次抽取结果中")
    now = now or now_utc()
    amount = to_money(amount)
    days = int(get_config(repo.session, "stage_deadline_days")[SECOND_REVIEW])
    n = repo.next_number(Finding, Finding.finding_id, f"INSP-{draw.draw_no}-")
    finding = repo.add(
        Finding(
            finding_id=n,
            run_id=None,
            source="inspection",
            rule_id="inspection",
            rule_code="INSPECTION",
            rule_name=rule_name,
            result_type=result_type,
            institution_code=institution_code,
            region_code=target.region_code,
            amount=amount,
            evidence=evidence,
            stage=SECOND_REVIEW,
            stage_deadline=now + timedelta(days=days),
            self_reported=False,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    events.record(
        repo,
        "finding",
        finding.id,
        "inspection",
        to_state=SECOND_REVIEW,
        detail={"draw": draw.draw_no},
        at=now,
    )
    return finding


def amount_of(value: Any) -> Decimal:
    return Decimal(str(value))
