"""Drug-safety rules read from Qiandai's reviewed tables (issue 5): classes a label forbids for children,
cautions for the elderly, forbids in pregnancy or with a diagnosis, label indications, and pairs of classes
that must not be taken together.

A drug's class is the national drug code's prefix ``X`` + ATC level 4 (6 characters), as in
:mod:`qiandai.claims.rulepack.indications`. Tables: ``drug_safety`` (column ``kind`` picks the rows of one
rule) and ``drug_interactions``; both open with a provenance header (``data/qiandai/*.csv``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import AuditContext, age_years, day_to_date_text
from qiandai.claims.rulepack.base import NO_KP, TEMPLATES, emit, sorted_collect, text
from qiandai.claims.rulepack.decomposition import prefix_join
from qiandai.claims.rulepack.indications import in_ranges, visit_diagnoses
from qiandai.domain.errors import RuleDefinitionError
from qiandai.rules.model import RuleDefinition

_LINE_COLUMNS = ("mdtrt_id", "prefix", "bkkp_sn", "amount", "fee_day", "item_name", "drug_class", "note")


def _drug_lines(ctx: AuditContext) -> ir.Table:
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    return f.mutate(prefix=f.item_code.substr(0, 6))


def _matched_lines(ctx: AuditContext, rows: ir.Table, lengths: list[int]) -> ir.Table:
    """Fee lines (cnt > 0) × the rows whose ``prefix`` begins the line's item code."""
    f = ctx.fee.filter(ctx.fee.cnt > 0)
    return prefix_join(f, rows, "prefix", lengths)


def _age_hits(m: ir.Table) -> ir.Table:
    """Lines whose patient's age at the fee date lies in the row's band [min_age, max_age)."""
    m = m.filter(m.icd10_from.isnull() & (m.min_age.notnull() | m.max_age.notnull()) & m.birth.notnull())
    m = m.mutate(age=age_years(m.birth, m.fee_time.date()))
    m = m.filter((m.min_age.isnull() | (m.age >= m.min_age)) & (m.max_age.isnull() | (m.age < m.max_age)))
    return m.select(*_LINE_COLUMNS, reason="参保人用药时" + text(m.age) + "岁")


def _forbidden_diagnosis_hits(ctx: AuditContext, m: ir.Table) -> ir.Table:
    """Lines of a visit that carries a diagnosis in one of the prefix's forbidden ranges."""
    m = m.filter(m.icd10_from.notnull())
    dx = visit_diagnoses(ctx)
    used = m.select(u_visit="mdtrt_id", u_prefix="prefix", lo="icd10_from", hi="icd10_to").distinct()
    j = used.inner_join(dx, used.u_visit == dx.mdtrt_id)
    j = j.filter(in_ranges(j.code, j.lo, j.hi))
    matched = j.group_by(["u_visit", "u_prefix"]).aggregate(dx_code=j.code.min())
    h = m.inner_join(matched, [m.mdtrt_id == matched.u_visit, m.prefix == matched.u_prefix])
    return h.select(*_LINE_COLUMNS, reason="本次就诊诊断" + h.dx_code)


def _missing_indication_hits(ctx: AuditContext, m: ir.Table) -> ir.Table:
    """Lines of a visit that has diagnoses, none in any of the prefix's indication ranges."""
    m = m.filter(m.icd10_from.notnull())
    dx = visit_diagnoses(ctx)
    used = m.select(u_visit="mdtrt_id", u_prefix="prefix", lo="icd10_from", hi="icd10_to").distinct()
    j = used.inner_join(dx, used.u_visit == dx.mdtrt_id)
    fitting = j.filter(in_ranges(j.code, j.lo, j.hi)).select("u_visit", "u_prefix").distinct()
    codes = dx.group_by("mdtrt_id").aggregate(codes=sorted_collect(dx.code)).rename(d_visit="mdtrt_id")
    span = m.icd10_from + ibis.cases((m.icd10_to != m.icd10_from, "–" + m.icd10_to), else_="")
    spans = m.mutate(span=span).select(s_prefix="prefix", span="span").distinct()
    spans = spans.group_by("s_prefix").aggregate(ranges=sorted_collect(spans.span, distinct=True).join("、"))
    h = m.anti_join(fitting, [m.mdtrt_id == fitting.u_visit, m.prefix == fitting.u_prefix])
    h = h.inner_join(codes, h.mdtrt_id == codes.d_visit)
    h = h.inner_join(spans, h.prefix == spans.s_prefix)
    return h.select(
        *_LINE_COLUMNS[:-1],
        note="适应症对应ICD-10 " + h.ranges,
        reason="本次就诊诊断 " + h.codes.join("、") + " 均不属于其适应症",
    )


@TEMPLATES.register("drug_safety")
def drug_safety(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines (cnt > 0) whose item code begins with a prefix listed for the rule's ``kind``.

    Tables: ``drug_safety`` (national drug classes, column ``atc_prefix``) or ``item_safety``
    (service-item code prefixes, column ``code_prefix``); parameter ``prefix_column`` names it.
    ``mode`` ``forbid`` (default): a row with an age band hits when the age at the fee date lies in
    [min_age, max_age) (age unknown: not judged); a row with an ICD-10 range hits when the visit carries
    a diagnosis in it. ``mode`` ``require``: the prefix's ranges are its indications; a visit that has
    diagnoses and none in any range hits (no diagnosis: not judged). One finding per visit and prefix;
    lines: the hitting lines; amount: their sum (each line once).
    """
    kind = str(rule.param("kind"))
    mode = str(rule.param("mode", "forbid"))
    column = str(rule.param("prefix_column", "atc_prefix"))
    if mode not in ("forbid", "require"):
        raise RuleDefinitionError(f"规则 {rule.rule_id} 的参数 mode 只能是 forbid 或 require，实际为 {mode}")
    name = rule.knowledge or "drug_safety"
    arrow = ctx.knowledge_loader(name)
    if column not in arrow.column_names:
        raise RuleDefinitionError(f"规则 {rule.rule_id} 的知识表 {name} 没有前缀列 {column}")
    lengths = sorted({len(str(p)) for p in arrow.column(column).to_pylist() if p})
    table = ctx.knowledge(name)
    rows = table.filter(table.kind == kind).rename(prefix=column)
    if "item_class" in rows.columns:  # item_safety names its class column item_class
        rows = rows.rename(drug_class="item_class")
    m = _matched_lines(ctx, rows, lengths)
    if mode == "require":
        hits = _missing_indication_hits(ctx, m)
    else:
        hits = _age_hits(m).union(_forbidden_diagnosis_hits(ctx, m))
    once = hits.select("mdtrt_id", "prefix", "bkkp_sn", "amount").distinct()
    money = once.group_by(["mdtrt_id", "prefix"]).aggregate(
        fee_ids=sorted_collect(once.bkkp_sn), amount=once.amount.sum()
    )
    money = money.rename(a_visit="mdtrt_id", a_prefix="prefix")
    g = hits.group_by(["mdtrt_id", "prefix"]).aggregate(
        name=hits.item_name.min(),
        drug_class=hits.drug_class.max(),
        note=hits.note.min(),
        reason=hits.reason.min(),
        first_day=hits.fee_day.min(),
    )
    g = g.inner_join(money, [g.mdtrt_id == money.a_visit, g.prefix == money.a_prefix])
    evidence = (
        "「"
        + g.name
        + "」属"
        + g.drug_class
        + "，"
        + g.note
        + "；"
        + g.reason
        + "（Qiandai 安全参考表，来源："
        + ibis.literal(str(rule.param("source_text", "药品说明书")))
        + "）"
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


@TEMPLATES.register("drug_interaction")
def drug_interaction(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines of both classes of a ``drug_interactions`` pair billed in one visit on one fee date.

    One finding per visit, fee date and pair; lines: both classes' lines of that day; amount: the lines
    of the second class (``atc_prefix_b``), the drug added to the first.
    """
    pairs = ctx.knowledge(rule.knowledge or "drug_interactions")
    f = _drug_lines(ctx)
    keep = ("mdtrt_id", "fee_day", "bkkp_sn", "amount", "item_name", *pairs.columns)
    a = f.inner_join(pairs, f.prefix == pairs.atc_prefix_a).select(*keep).mutate(side=ibis.literal(0))
    b = f.inner_join(pairs, f.prefix == pairs.atc_prefix_b).select(*keep).mutate(side=ibis.literal(1))
    u = a.union(b)
    g = u.group_by(["mdtrt_id", "fee_day", "atc_prefix_a", "atc_prefix_b"]).aggregate(
        sides=u.side.nunique(),
        class_a=u.class_a.max(),
        class_b=u.class_b.max(),
        level=u.level.max(),
        note=u.note.max(),
        names=sorted_collect(u.item_name, distinct=True),
        fee_ids=sorted_collect(u.bkkp_sn, distinct=True),
        amount=u.amount.sum(where=u.side == 1),
    )
    g = g.filter(g.sides == 2)
    evidence = (
        day_to_date_text(g.fee_day)
        + "同日使用「"
        + g.names.join("」「")
        + "」："
        + g.class_a
        + "与"
        + g.class_b
        + g.level
        + "（"
        + g.note
        + "；Qiandai 药物相互作用参考表，来源：药品说明书）"
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=g.fee_ids,
        amount=g.amount.fill_null(0),
        evidence=evidence,
        event_day=g.fee_day,
    )
