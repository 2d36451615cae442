"""Bedside check-in rules: billed inpatient days without a check-in (挂床) and impostors (冒名就医).

Both attach their findings to the inpatient stay; conventions of stays, judged days and belonging
check-ins: :mod:`qiandai.claims.checkins.presence` and docs/claims-stock-checkins.md.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.checkins.presence import checkin_days, judged_days, stay_checkins
from qiandai.claims.context import AuditContext, day_number, day_to_date_text
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, sorted_collect, text
from qiandai.rules.model import RuleDefinition


@TEMPLATES.register("checkin_absence")
def checkin_absence(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Stays with at least ``min_missing_days`` (default 2) judged days without a check-in.

    Lines: the stay's fee lines on those days; amount: their sum.
    """
    min_days = int(rule.param("min_missing_days", 2))
    d = judged_days(ctx.visits, ctx.fee, ctx.raw("checkin"))
    d = d.filter(~d.present)
    per_stay = d.group_by("mdtrt_id").aggregate(
        n=d.count(), first=d.fee_day.min(), last=d.fee_day.max(), billed=d.fee_day.nunique()
    )
    per_stay = per_stay.filter(per_stay.n >= min_days)
    f = ctx.fee.select(f_id="mdtrt_id", f_day="fee_day", bkkp_sn="bkkp_sn", amount="amount")
    missing = d.select(m_id="mdtrt_id", m_day="fee_day")
    lines = f.inner_join(missing, [f.f_id == missing.m_id, f.f_day == missing.m_day])
    money = lines.group_by("f_id").aggregate(fee_ids=sorted_collect(lines.bkkp_sn), amount=lines.amount.sum())
    g = per_stay.inner_join(money, per_stay.mdtrt_id == money.f_id)
    inst = ctx.visits.select(i_id="mdtrt_id", inst="fixmedins_code")
    g = g.inner_join(inst, g.mdtrt_id == inst.i_id)
    evidence = (
        "住院期间有"
        + text(g.n)
        + "天（"
        + day_to_date_text(g["first"])
        + ibis.cases((g["last"] != g["first"], "至" + day_to_date_text(g["last"])), else_="")
        + "）计费但参保人无床旁签到记录（本机构签到系统在住院期间运行），疑似挂床住院"
    )
    return emit(g, mdtrt_id=g.mdtrt_id, kp_id=NO_KP, fee_ids=g.fee_ids, amount=g.amount,
                evidence=evidence, event_day=g["first"], fixmedins_code=g.inst)  # fmt: skip


@TEMPLATES.register("checkin_impostor")
def checkin_impostor(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Stays with a belonging check-in whose face score is below ``min_score`` (default 0.6; equal does
    not hit), or with another check-in of the same person at a different institution at most
    ``max_minutes`` (default 60) apart. One finding per stay; amount: the stay's total fees.
    """
    min_score = float(rule.param("min_score", 0.6))
    max_seconds = int(rule.param("max_minutes", 60)) * 60
    c = stay_checkins(ctx.visits, ctx.raw("checkin"))
    low = c.filter(c.face_score.cast("float64") < min_score)
    low = low.select(
        "mdtrt_id",
        "checkin_time",
        reason=day_to_date_text(low.day)
        + "床旁签到人脸比对分值"
        + low.face_score.cast("decimal(18, 2)").cast("string")
        + "，低于"
        + ibis.literal(f"{min_score:.2f}")
        + "（签到ID "
        + low.checkin_id
        + "）",
    )
    o = checkin_days(ctx.raw("checkin"))
    o = o.select(o_psn="psn_no", o_inst="fixmedins_code", o_time="checkin_time", o_id="checkin_id")
    gap = (c.checkin_time.epoch_seconds() - o.o_time.epoch_seconds()).abs()
    both = c.inner_join(o, [c.psn_no == o.o_psn, c.fixmedins_code != o.o_inst, gap <= max_seconds])
    both = both.select(
        "mdtrt_id",
        "checkin_time",
        reason=both.checkin_time.strftime("%Y-%m-%d %H:%M")
        + "在本机构签到，"
        + both.o_time.strftime("%Y-%m-%d %H:%M")
        + "又在机构"
        + both.o_inst
        + "签到（签到ID "
        + both.o_id
        + "），同一人同时出现在两地",
    )
    hits = low.union(both)
    g = hits.group_by("mdtrt_id").aggregate(
        n=hits.count(), first=hits.reason.argmin(hits.checkin_time), when=hits.checkin_time.min()
    )
    v = ctx.visits.select(v_id="mdtrt_id", total_fee="total_fee", inst="fixmedins_code")
    g = g.inner_join(v, g.mdtrt_id == v.v_id)
    evidence = g["first"] + ibis.cases((g.n > 1, "等" + text(g.n) + "处异常"), else_="") + "，疑似冒名就医"
    return emit(g, mdtrt_id=g.mdtrt_id, kp_id=NO_KP, fee_ids=ibis.literal([], type="array<string>"),
                amount=g.total_fee, evidence=evidence, event_day=day_number(g.when.date()),
                fixmedins_code=g.inst)  # fmt: skip
