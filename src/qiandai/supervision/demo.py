"""A realistic month of supervision work for the demo database (called by ``qiandai demo``).

:func:`seed_demo_month` is idempotent: users, the import and every step are skipped when already there.
Demo accounts all use the password in :data:`DEMO_PASSWORDS` (documented in docs/supervision.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from qiandai.identity import service as identity
from qiandai.identity.principal import Principal
from qiandai.identity.roles import Role
from qiandai.store.base import now_utc
from qiandai.store.database import unit_of_work
from qiandai.supervision import (
    cases,
    credit,
    importer,
    inspections,
    rectification,
    review,
    selfinspection,
    whistle,
)
from qiandai.supervision.models import Institution
from qiandai.supervision.repository import ScopedRepository

PASSWORD = "qiandai-demo-2025"
REGION = "330100"
_PEOPLE = {
    "admin": ("系统管理员", "admin"),
    "auditor": ("稽核员李明", "auditor"),
    "reviewer": ("审核员王芳", "reviewer"),
    "leader": ("局长赵刚", "leader"),
    "intake": ("举报受理员陈静", "intake"),
    "expert": ("专家周涛", "expert"),
}
DEMO_PASSWORDS = {u: PASSWORD for u in [*_PEOPLE, "inst_a", "inst_b"]}
_SPECS = ("医保", "医务", "药学", "财务", "物价")


def _users(session: Session, inst_a: str, inst_b: str) -> dict[str, Principal]:
    identity.ensure_organisation(session, "YB330100", "杭州市医疗保障局", "bureau", REGION)
    people: dict[str, tuple[str, str, str | None]] = {u: (n, r, None) for u, (n, r) in _PEOPLE.items()}
    people |= {
        "inst_a": ("机构医保办（甲）", "institution", inst_a),
        "inst_b": ("机构医保办（乙）", "institution", inst_b),
    }
    out = {}
    for username, (name, role, inst) in people.items():
        existing = identity.user_principal(session, username)
        out[username] = existing or identity.create_user(
            session,
            username=username,
            password=PASSWORD,
            display_name=name,
            roles=role,
            org_code=None if inst else "YB330100",
            region_code=None if role == "admin" else REGION,
            institution_code=inst,
        )
    return out


def _work_case(
    repos: dict[str, ScopedRepository],
    code: str,
    n: int,
    start: datetime,
    article: dict[str, object],
    key: str,
) -> None:
    """Move ``n`` points of institution ``code`` through review into a decided case with payments."""
    aud, rev, lead, inst = repos["auditor"], repos["reviewer"], repos["leader"], repos["inst"]
    ids = [f.id for f in aud.findings(stage="first_review", institution_code=code, limit=n)]
    review.bulk(aud, ids, review.Move("pass"), now=start)
    review.bulk(rev, ids, review.Move("confirm"), now=start + timedelta(days=2))
    review.act(
        inst, ids[0], review.Move("appeal", reason="系临床需要，附病程记录"), now=start + timedelta(days=5)
    )
    review.act(rev, ids[0], review.Move("accept_appeal", reason="说明合理"), now=start + timedelta(days=6))
    for fid in ids[1:]:
        review.act(
            rev, fid, review.Move("reject_appeal", reason="未提供有效说明"), now=start + timedelta(days=8)
        )
        f = aud.findings_by_ids([fid])[0]
        review.act(
            aud, fid, review.Move("conclude", confirmed_amount=f.amount), now=start + timedelta(days=12)
        )
    case = cases.open_case(rev, ids[1:])
    cases.issue_hearing_notice(rev, case.id, article, now=start + timedelta(days=13))
    cases.record_statement(
        inst if code == repos["inst"].principal.institution_code else rev, case.id, "", waive=True
    )
    decision = cases.decide(
        lead,
        case.id,
        cases.DecisionRequest(idempotency_key=key, **article),  # type: ignore[arg-type]
        now=start + timedelta(days=19),
    )
    cases.record_payment(
        aud, case.id, "recovery", decision.recovery_amount, f"{key}-R", start + timedelta(days=24)
    )


def seed_demo_month(
    factory: sessionmaker[Session], audit_out_dir: Path, now: datetime | None = None
) -> list[str]:
    """Fill the database with a month of work from an audit output folder; returns summary lines."""
    now = now or now_utc()
    start = now - timedelta(days=30)
    lines: list[str] = []
    with unit_of_work(factory) as s:
        ops = ScopedRepository(s, Principal(0, "demo", "演示数据", frozenset(Role)))
        result = importer.import_run(ops, audit_out_dir, default_region=REGION, now=start)
        lines.append(f"疑点导入：{result.run_id}，新增 {result.imported} 个")
        if ops.cases():
            lines.append("演示工作量已存在，未重复写入。")
            return lines
        counts = Counter(f.institution_code for f in ops.findings(limit=100000))
        for inst in ops.all(ops.select(Institution)):
            inst.risk_score = Decimal(min(100, counts.get(inst.code, 0) * 2))
        top = [c for c, _ in counts.most_common() if c.startswith("H")]
        inst_a, inst_b = top[0], top[1]
        people = _users(s, inst_a, inst_b)
        repos = {u: ScopedRepository(s, p) for u, p in people.items()}
        for i in range(20):
            employer = top[i % len(top)] if i % 3 == 0 else None
            inspections.add_expert(repos["admin"], f"专家{i + 1:02d}", _SPECS[i % 5], REGION, employer)
        _work_case(
            repos | {"inst": repos["inst_a"]},
            inst_a,
            6,
            start,
            {"article": "38", "multiple": "1.5"},
            "demo-case-1",
        )
        _work_case(
            repos | {"inst": repos["inst_b"]},
            inst_b,
            5,
            start + timedelta(days=3),
            {"article": "40", "multiple": "2", "suspension_months": 6},
            "demo-case-2",
        )
        _await_case(repos | {"inst": repos["inst_a"]}, inst_a, 3, start + timedelta(days=6))
        first = ops.findings(stage="first_review", limit=40)
        review.bulk(
            repos["auditor"], [f.id for f in first[:20]], review.Move("pass"), now=start + timedelta(days=9)
        )
        items = ops.rectifications()
        for item in items[:2]:
            ev = _evidence(repos["inst_a"], item.id) if item.institution_code == inst_a else None
            if ev:
                rectification.submit(repos["inst_a"], item.id, "已完成整改", [ev])
                rectification.verify(
                    repos["auditor"], item.id, True, "材料齐全", now=start + timedelta(days=27)
                )
                rectification.close_out(repos["reviewer"], item.id, "销号")
        rectification.create(
            repos["auditor"],
            institution_code=inst_b,
            title="药品进销存账实不符",
            requirement="完善进销存管理并提交盘点表",
            owner="药剂科主任",
            deadline=now - timedelta(days=5),
            source_key="demo-inspection-1",
        )
        rectification.escalate_overdue(ops, now=now)
        _reports(repos, inst_a, inst_b, start)
        pharmacy = next((c for c, _ in counts.most_common() if c.startswith("P")), None)
        if pharmacy:
            problems = [p for p in selfinspection.problems_from_audit(audit_out_dir, pharmacy)][:5]
            refund = sum((Decimal(p["amount"]) for p in problems), Decimal("0.00"))
            selfinspection.submit(
                ops,
                institution_code=pharmacy,
                period=start.strftime("%Y-%m"),
                summary="对照医保规则自查，主动退回违规费用",
                problems=problems,
                refund_amount=refund,
            )
        d = inspections.make_draw(
            repos["reviewer"],
            title="本月双随机抽查",
            count=min(5, len(ops.all(repos["reviewer"].select(Institution)))),
            seed=f"demo-{start:%Y%m}",
            now=start + timedelta(days=15),
        )
        inspections.publish(repos["leader"], d.id)
        decided = [c.id for c in ops.cases()]
        c = credit.create_circular(
            repos["reviewer"],
            "关于医保基金违法违规典型案例的通报",
            "现将本月查处的典型案例通报如下。",
            decided,
        )
        credit.publish_circular(repos["leader"], c.id)
        credit.create_circular(
            repos["reviewer"],
            "关于欺诈骗取医保基金典型案例的通报（第二期）",
            "现将查处的欺诈骗保典型案例通报如下，请各定点医药机构引以为戒。",
            decided[-1:],
        )
        credit.compute_ratings(repos["reviewer"], start.strftime("%Y-%m"), now)
        lines.append(
            f"演示工作量：案件 {len(decided)} 件，整改事项 {len(ops.rectifications())} 项，"
            "抽查 1 次，举报 4 件，通报 2 期（1 期待签发）"
        )
    return lines


def _await_case(repos: dict[str, ScopedRepository], code: str, n: int, start: datetime) -> None:
    """Take ``n`` points of ``code`` to 待立案处理 without opening a case (the 立案 page has work)."""
    aud, rev = repos["auditor"], repos["reviewer"]
    ids = [f.id for f in aud.findings(stage="first_review", institution_code=code, limit=n)]
    if not ids:
        return
    review.bulk(aud, ids, review.Move("pass"), now=start)
    review.bulk(rev, ids, review.Move("confirm"), now=start + timedelta(days=1))
    for fid in ids:
        review.act(rev, fid, review.Move("reject_appeal", reason="说明不成立"), now=start + timedelta(days=9))
        f = aud.findings_by_ids([fid])[0]
        review.act(
            aud, fid, review.Move("conclude", confirmed_amount=f.amount), now=start + timedelta(days=10)
        )


def _evidence(repo: ScopedRepository, item_id: int) -> int:
    from qiandai.supervision import evidence

    return evidence.upload(
        repo, "rectification", item_id, "整改报告.txt", "text/plain", "整改完成".encode()
    ).id


def _reports(repos: dict[str, ScopedRepository], inst_a: str, inst_b: str, start: datetime) -> None:
    intake, public = repos["intake"], ScopedRepository(repos["intake"].session, whistle.PUBLIC)
    r1 = whistle.submit(
        public,
        subject="虚开检查费用",
        content="该院对住院病人普遍虚开检查项目。",
        anonymous=False,
        reporter={"name": "张三", "phone": "13800001234"},
        institution_code=inst_a,
        region_code=None,
        alleged_amount=Decimal("30000"),
        now=start + timedelta(days=1),
    )
    whistle.accept(intake, r1.id, True, "线索具体", now=start + timedelta(days=3))
    whistle.conclude(intake, r1.id, Decimal("18620.50"), "查实虚开检查费用", now=start + timedelta(days=20))
    whistle.propose_reward(intake, r1.id)
    whistle.approve_reward(repos["leader"], r1.id)
    whistle.pay_reward(intake, r1.id, "JL-DEMO-0001")
    r2 = whistle.submit(
        public,
        subject="挂床住院",
        content="病房白天无人，疑似挂床住院。",
        anonymous=True,
        reporter=None,
        institution_code=inst_b,
        region_code=None,
        alleged_amount=None,
        now=start + timedelta(days=10),
    )
    whistle.accept(intake, r2.id, True, "转稽核科核查", now=start + timedelta(days=12))
    r4 = whistle.submit(
        public,
        subject="冒名住院",
        content="有人冒用他人医保卡住院结算。",
        anonymous=False,
        reporter={"name": "王五", "phone": "13900005678"},
        institution_code=inst_b,
        region_code=None,
        alleged_amount=Decimal("12000"),
        now=start + timedelta(days=4),
    )
    whistle.accept(intake, r4.id, True, "线索清楚", now=start + timedelta(days=5))
    whistle.conclude(intake, r4.id, Decimal("9860.00"), "查实冒名住院结算", now=start + timedelta(days=22))
    whistle.propose_reward(intake, r4.id)  # pending the leader's approval
    whistle.submit(
        public,
        subject="药店串换药品",
        content="用医保卡购买生活用品。",
        anonymous=True,
        reporter=None,
        institution_code=None,
        region_code="330106",
        alleged_amount=None,
        now=start + timedelta(days=28),
    )
