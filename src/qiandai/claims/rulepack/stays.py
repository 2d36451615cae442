"""Inpatient-stay rules: fees outside the stay, split admissions, concurrent stays, phantom beds."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import NO_FEE_IDS, NO_KP, TEMPLATES, emit, group_lines, sorted_collect, text
from qiandai.rules.model import RuleDefinition


def _inpatient_visits(ctx: AuditContext) -> ir.Table:
    v = ctx.visits
    return v.filter((v.scene == "住院") & v.end_day.notnull())


@TEMPLATES.register("fee_outside_stay")
def fee_outside_stay(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Inpatient lines dated before the admission date or after the discharge date (dates inclusive)."""
    f = ctx.fee.filter((ctx.fee.scene == "住院") & ctx.fee.end_day.notnull())
    f = f.filter((f.fee_day < f.begn_day) | (f.fee_day > f.end_day))
    g = group_lines(
        f,
        ["mdtrt_id", "begn_day", "end_day"],
        last_day=f.fee_day.max(),
        first_name=f.item_name.min(),
    )
    evidence = (
        "住院期间为"
        + day_to_date_text(g.begn_day)
        + "至"
        + day_to_date_text(g.end_day)
        + "，「"
        + g.first_name
        + "」等"
        + text(g.fee_ids.length())
        + "条费用的计费日期（"
        + day_to_date_text(g.first_day)
        + ibis.cases((g.last_day != g.first_day, "至" + day_to_date_text(g.last_day)), else_="")
        + "）不在住院期间"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


def exempt_diagnosis(code: ir.StringValue, prefixes: list[str]) -> ir.BooleanValue:
    """True where ``code`` starts with one of ``prefixes`` (case-insensitive prefixes)."""
    result: ir.BooleanValue = ibis.literal(False)
    for prefix in prefixes:
        result = result | code.startswith(prefix.upper())
    return result


@TEMPLATES.register("split_admission")
def split_admission(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A re-admission to the same institution within ``max_gap_days`` of the previous discharge with
    the same 3-character main-diagnosis category; chemo/radiotherapy, dialysis and transfers exempt."""
    max_gap = int(rule.param("max_gap_days", 15))
    exempt = list(rule.param("exempt_diagnoses", ["Z51", "Z49", "Z99.2", "N18.5"]))
    v = _inpatient_visits(ctx).filter(lambda t: t.diag_cat.notnull())
    prev = v.select(
        p_id=v.mdtrt_id,
        p_psn=v.psn_no,
        p_inst=v.fixmedins_code,
        p_end=v.end_day,
        p_cat=v.diag_cat,
        p_begn=v.begntime,
    )
    j = v.inner_join(
        prev,
        [
            v.psn_no == prev.p_psn,
            v.fixmedins_code == prev.p_inst,
            v.mdtrt_id != prev.p_id,
            v.diag_cat == prev.p_cat,
            v.begn_day >= prev.p_end,
            v.begn_day - prev.p_end <= max_gap,
            v.begntime > prev.p_begn,
        ],
    )
    j = j.filter(~exempt_diagnosis(j.diag_code, exempt) & (j.refl_old_mdtrt_id.fill_null("") != j.p_id))
    j = j.mutate(gap=j.begn_day - j.p_end)
    g = j.group_by(["mdtrt_id", "begn_day", "diag_cat", "total_fee"]).aggregate(
        gap=j.gap.min(), prev_id=j.p_id.argmin(j.gap), prev_end=j.p_end.argmin(j.gap)
    )
    evidence = (
        "参保人于"
        + day_to_date_text(g.prev_end)
        + "从本机构出院（就诊ID "
        + g.prev_id
        + "），"
        + text(g.gap)
        + "天后（"
        + day_to_date_text(g.begn_day)
        + "）再次入院，两次主诊断同属 "
        + g.diag_cat
        + " 类目，疑似分解住院"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=g.total_fee,
        evidence=evidence,
        event_day=g.begn_day,
    )


@TEMPLATES.register("concurrent_stays")
def concurrent_stays(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Two stays of one person at different institutions overlapping by at least one night.

    The finding is on the later-admitted stay; lines: its lines dated inside the overlap.
    """
    v = _inpatient_visits(ctx)
    o = v.select(
        o_id=v.mdtrt_id,
        o_psn=v.psn_no,
        o_inst=v.fixmedins_code,
        o_inst_name=v.fixmedins_name,
        o_begn=v.begn_day,
        o_end=v.end_day,
        o_time=v.begntime,
    )
    later = (v.begntime > o.o_time) | ((v.begntime == o.o_time) & (v.mdtrt_id > o.o_id))
    j = v.inner_join(
        o,
        [
            v.psn_no == o.o_psn,
            v.fixmedins_code != o.o_inst,
            v.begn_day < o.o_end,
            o.o_begn < v.end_day,
            later,
        ],
    )
    j = j.select("mdtrt_id", "begn_day", "end_day", "o_id", "o_inst_name", "o_begn", "o_end")
    j = j.mutate(ov_from=j.begn_day, ov_to=ibis.least(j.end_day, j.o_end))
    f = ctx.fee.select("mdtrt_id", "bkkp_sn", "fee_day", "amount")
    lines = j.left_join(f, [j.mdtrt_id == f.mdtrt_id, f.fee_day >= j.ov_from, f.fee_day <= j.ov_to])
    g = lines.group_by(
        ["mdtrt_id", "begn_day", "end_day", "o_id", "o_inst_name", "o_begn", "o_end", "ov_from", "ov_to"]
    ).aggregate(
        fee_ids=sorted_collect(lines.bkkp_sn),
        amount=lines.amount.sum().fill_null(0),
    )
    g = g.mutate(rank=ibis.row_number().over(group_by="mdtrt_id", order_by=[g.o_begn, g.o_id])).filter(
        lambda t: t["rank"] == 0
    )
    evidence = (
        "住院期间（"
        + day_to_date_text(g.begn_day)
        + "至"
        + day_to_date_text(g.end_day)
        + "）与其在「"
        + g.o_inst_name.fill_null("其他机构")
        + "」的住院（"
        + day_to_date_text(g.o_begn)
        + "至"
        + day_to_date_text(g.o_end)
        + "，就诊ID "
        + g.o_id
        + "）重叠"
        + text(g.ov_to - g.ov_from)
        + "晚"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.begn_day,
    )


@TEMPLATES.register("phantom_bed")
def phantom_bed(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A run of ``min_days`` or more consecutive bed-only days in a stay.

    A bed-only day has only lines of ``bed_categories`` (01 床位, 02 诊查, 07 护理) and at least one line
    of ``anchor_categories`` (01, 07).
    """
    min_days = int(rule.param("min_days", 3))
    bed = tuple(rule.param("bed_categories", ["01", "02", "07"]))
    anchor = tuple(rule.param("anchor_categories", ["01", "07"]))
    f = ctx.fee.filter(ctx.fee.scene == "住院")
    days = f.group_by(["mdtrt_id", "fee_day"]).aggregate(
        n=f.count(),
        n_bed=f.chrgitm_type.isin(bed).fill_null(False).sum(),
        n_anchor=f.chrgitm_type.isin(anchor).fill_null(False).sum(),
    )
    bed_days = days.filter((days.n == days.n_bed) & (days.n_anchor > 0))
    bed_days = bed_days.mutate(
        run=bed_days.fee_day - ibis.row_number().over(group_by="mdtrt_id", order_by=bed_days.fee_day)
    )
    runs = bed_days.group_by(["mdtrt_id", "run"]).aggregate(
        start=bed_days.fee_day.min(), end=bed_days.fee_day.max(), length=bed_days.count()
    )
    runs = runs.filter(runs.length >= min_days)
    lines = runs.inner_join(f, [runs.mdtrt_id == f.mdtrt_id, f.fee_day >= runs.start, f.fee_day <= runs.end])
    g = lines.group_by(["mdtrt_id", "run", "start", "end", "length"]).aggregate(
        fee_ids=sorted_collect(lines.bkkp_sn),
        amount=lines.amount.sum(),
    )
    evidence = (
        "住院期间"
        + day_to_date_text(g.start)
        + "至"
        + day_to_date_text(g.end)
        + "连续"
        + text(g.length)
        + "天仅收取床位费、诊查费、护理费，无医嘱、检查、治疗或药品，疑似挂床住院"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.start,
    )
