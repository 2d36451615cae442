"""Drug-indication rules: a drug billed without a diagnosis of its indication (batches 12–17), and
two drugs of one therapeutic class on one day (重复开药).

Indications are matched through Qiandai's reviewed table ``indication_icd10`` (knowledge point →
ICD-10 ranges); points it does not map are not judged (``KnowledgeBase.unparsed('drug_indication')``
lists them). Drug classes are the national drug code's prefix: ``X`` + ATC level 4 (6 characters);
the substance is the first 10 characters (``XA10BJA123``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, day_to_date_text
from qiandai.claims.rulepack.base import TEMPLATES, emit, group_lines, sorted_collect, text
from qiandai.rules.model import RuleDefinition


def visit_diagnoses(ctx: AuditContext) -> ir.Table:
    """Distinct (mdtrt_id, code) from the diagnosis list and the visit's main diagnosis, upper case."""
    d = ctx.diag.filter(ctx.diag.diag_code.notnull())
    d = d.select(mdtrt_id=d.mdtrt_id, code=d.diag_code.upper())
    v = ctx.visits.filter(ctx.visits.diag_code.notnull())
    return d.union(v.select(mdtrt_id=v.mdtrt_id, code=v.diag_code)).distinct()


def in_ranges(code: ir.StringValue, low: ir.StringValue, high: ir.StringValue) -> ir.BooleanValue:
    """True when ``code`` cut to the length of ``low`` lies in [low, high] (ranges of categories)."""
    cut = code.substr(0, low.length())
    return (cut >= low) & (cut <= high)


@TEMPLATES.register("indication_diagnosis")
def indication_diagnosis(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines of a mapped drug in a visit that has diagnoses, none of them in the drug's ranges.

    Visits without any diagnosis (a pharmacy purchase without one) are not judged. One finding per
    visit and knowledge point; lines: the drug's lines; amount: their sum.
    """
    kb = ctx.knowledge(rule.knowledge or "drug_indication")
    ranges = ctx.knowledge("indication_icd10")
    mapped = ranges.select(m_kp="kp_id").distinct()
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    f = f.inner_join(kb, f.item_code == kb.code)
    f = f.semi_join(mapped, f.kp_id == mapped.m_kp)
    dx = visit_diagnoses(ctx)
    used = f.select(u_visit="mdtrt_id", u_kp="kp_id").distinct()
    j = used.inner_join(dx, used.u_visit == dx.mdtrt_id)
    j = j.inner_join(ranges, j.u_kp == ranges.kp_id)
    fitting = j.filter(in_ranges(j.code, j.icd10_from, j.icd10_to)).select("u_visit", "u_kp").distinct()
    codes = dx.group_by("mdtrt_id").aggregate(codes=sorted_collect(dx.code))
    codes = codes.rename(d_visit="mdtrt_id")
    f = f.anti_join(fitting, [f.mdtrt_id == fitting.u_visit, f.kp_id == fitting.u_kp])
    f = f.inner_join(codes, f.mdtrt_id == codes.d_visit)
    g = group_lines(f, ["mdtrt_id", "kp_id", "name", "constraint_text", "codes"])
    evidence = (
        "「"
        + g.name
        + "」"
        + g.constraint_text.substr(0, 60)
        + "；本次就诊诊断 "
        + g.codes.join("、")
        + " 均不属于其适应症对应的ICD-10类目（Qiandai 对照表）"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("duplicate_drug_class")
def duplicate_drug_class(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Two or more substances of one listed class billed in one visit on one fee date.

    Lines: the class's lines of that day; amount: the lines of every substance but the first billed
    (lowest bkkp_sn). One finding per visit, fee date and class.
    """
    classes = ctx.knowledge(rule.knowledge or "duplicate_drug_classes")
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    f = f.mutate(prefix=f.item_code.substr(0, 6), substance=f.item_code.substr(0, 10))
    f = f.inner_join(classes, f.prefix == classes.atc_prefix)
    keys = ["mdtrt_id", "fee_day", "prefix"]
    subs = f.group_by([*keys, "substance"]).aggregate(first_sn=f.bkkp_sn.min())
    w = ibis.window(group_by=[subs[k] for k in keys], order_by=subs.first_sn)
    subs = subs.mutate(sub_rank=ibis.row_number().over(w))
    j = f.inner_join(subs, [*keys, "substance"])
    g = j.group_by(["mdtrt_id", "fee_day", "prefix"]).aggregate(
        class_name=j["name"].max(),
        n_sub=j.substance.nunique(),
        items=sorted_collect(j.item_name, distinct=True),
        fee_ids=sorted_collect(j.bkkp_sn),
        amount=j.amount.sum(where=j.sub_rank > 0),
    )
    g = g.filter(g.n_sub >= 2)
    evidence = (
        day_to_date_text(g.fee_day)
        + "同日开具同类药品（"
        + g.class_name
        + "）"
        + text(g.n_sub)
        + "种：「"
        + g.items.join("」「")
        + "」，用药时间重叠"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=ibis.null("string"),
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.fee_day,
    )
