"""Patient rules: items restricted by gender or age, and diagnoses that contradict gender or age."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import EPOCH, AuditContext, age_days, age_years
from qiandai.claims.rulepack.base import NO_FEE_IDS, NO_KP, TEMPLATES, emit, group_lines, sorted_collect, text
from qiandai.rules.model import RuleDefinition


def _gender_text(value: ir.StringValue) -> ir.StringValue:
    return ibis.cases((value == "1", "男"), (value == "2", "女"), else_="未知")


@TEMPLATES.register("gender_restricted_item")
def gender_restricted_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Lines of items restricted to one gender billed for a person of known, different gender."""
    kb = ctx.knowledge(rule.knowledge or "drug_gender")
    f = ctx.fee.inner_join(kb, ctx.fee.item_code == kb.code)
    f = f.filter(f.gender.isin(("1", "2")) & (f.gender != f.gender_right))
    g = group_lines(
        f.rename(limit_gender="gender_right"), ["mdtrt_id", "kp_id", "name", "gender", "limit_gender"]
    )
    evidence = (
        "「"
        + g.name
        + "」限"
        + _gender_text(g.limit_gender)
        + "性使用，参保人性别为"
        + _gender_text(g.gender)
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


@TEMPLATES.register("age_group_restricted_item")
def age_group_restricted_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Items for 儿童 / 婴幼儿 / 新生儿 billed at or above the group's age limit at the fee date.

    Limits (parameters): ``child_max_age`` years (default 18), ``infant_max_age`` years (default 3),
    ``newborn_max_days`` days (default 28).
    """
    child = int(rule.param("child_max_age", 18))
    infant = int(rule.param("infant_max_age", 3))
    newborn_days = int(rule.param("newborn_max_days", 28))
    kb = ctx.knowledge(rule.knowledge or "drug_child_only")
    f = ctx.fee.filter(ctx.fee.birth.notnull())
    f = f.inner_join(kb, f.item_code == kb.code)
    fee_date = (EPOCH + f.fee_day.as_interval("D")).cast("date")
    f = f.mutate(age=age_years(f.birth, fee_date), age_d=age_days(f.birth, fee_date))
    too_old = ibis.cases(
        (f.target == "新生儿", f.age_d >= newborn_days),
        (f.target == "婴幼儿", f.age >= infant),
        else_=f.age >= child,
    )
    f = f.filter(too_old)
    g = group_lines(
        f,
        ["mdtrt_id", "kp_id", "name", "target"],
        age=f.age.min(),
        age_d=f.age_d.min(),
    )
    limit_text = ibis.cases(
        (g.target == "新生儿", "出生" + str(newborn_days) + "天内"),
        (g.target == "婴幼儿", str(infant) + "岁以下"),
        else_=str(child) + "岁以下",
    )
    age_text = ibis.cases((g.target == "新生儿", "出生第" + text(g.age_d) + "天"), else_=text(g.age) + "岁")
    evidence = "「" + g.name + "」限" + g.target + "（" + limit_text + "）使用，参保人计费时为" + age_text
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=g.kp_id,
        fee_ids=g.fee_ids,
        amount=g.amount,
        evidence=evidence,
        event_day=g.first_day,
    )


@TEMPLATES.register("age_range_item")
def age_range_item(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """Items limited to an age range [min_age, max_age] (years at the fee date) billed outside it."""
    low = int(rule.param("min_age", 16))
    high = int(rule.param("max_age", 60))
    kb = ctx.knowledge(rule.knowledge or "item_age")
    f = ctx.fee.filter(ctx.fee.birth.notnull())
    f = f.inner_join(kb, f.item_code == kb.code)
    f = f.mutate(age=age_years(f.birth, (EPOCH + f.fee_day.as_interval("D")).cast("date")))
    f = f.filter((f.age < low) | (f.age > high))
    g = group_lines(
        f,
        ["mdtrt_id", "kp_id", "name"],
        age=f.age.min(),
    )
    evidence = (
        "「" + g.name + f"」限{low}—{high}岁（法定就业年龄段）患者使用，参保人计费时为" + text(g.age) + "岁"
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


def _visit_diagnoses(ctx: AuditContext) -> ir.Table:
    """Distinct (visit, diagnosis code) from the diagnosis list and the visit's main diagnosis."""
    d = ctx.diag.select(mdtrt_id=ctx.diag.mdtrt_id, code=ctx.diag.diag_code.upper(), dname=ctx.diag.diag_name)
    v = ctx.visits.filter(ctx.visits.diag_code.notnull())
    m = v.select(mdtrt_id=v.mdtrt_id, code=v.diag_code, dname=ibis.null("string"))
    both = d.union(m)
    named = both.group_by(["mdtrt_id", "code"]).aggregate(dname=both.dname.max())
    return named.mutate(category=named.code.substr(0, 3))


def _diagnosis_rules(ctx: AuditContext) -> ir.Table:
    return ctx.knowledge("diagnosis_rules")


@TEMPLATES.register("diagnosis_gender")
def diagnosis_gender(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A diagnosis whose ICD-10 category is specific to the other sex (table ``diagnosis_rules``)."""
    rules = _diagnosis_rules(ctx).filter(lambda r: r.gender.isin(("1", "2")))
    dx = _visit_diagnoses(ctx)
    v = ctx.visits.select("mdtrt_id", "gender", "begn_day")
    j = dx.inner_join(v, "mdtrt_id")
    j = j.filter(j.gender.isin(("1", "2")))
    j = j.inner_join(rules, [j.category >= rules.category_from, j.category <= rules.category_to])
    j = j.filter(j.gender != j.gender_right)
    g = j.group_by(["mdtrt_id", "gender", "begn_day"]).aggregate(
        codes=sorted_collect(j.code, distinct=True),
        limit_gender=j.gender_right.max(),
        note=j.note.max(),
    )
    evidence = (
        "诊断 "
        + g.codes.join("、")
        + "（"
        + g.note
        + "）仅见于"
        + _gender_text(g.limit_gender)
        + "性，参保人性别为"
        + _gender_text(g.gender)
    )
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=ibis.literal(0),
        evidence=evidence,
        event_day=g.begn_day,
    )


@TEMPLATES.register("diagnosis_age")
def diagnosis_age(ctx: AuditContext, rule: RuleDefinition) -> ir.Table:
    """A diagnosis whose ICD-10 category has an age range the patient's age at admission is outside."""
    rules = _diagnosis_rules(ctx).filter(
        lambda r: r.min_age_years.notnull() | r.max_age_years.notnull() | r.max_age_days.notnull()
    )
    dx = _visit_diagnoses(ctx)
    v = ctx.visits.filter(ctx.visits.birth.notnull()).select("mdtrt_id", "birth", "begn_day")
    j = dx.inner_join(v, "mdtrt_id")
    begn = (EPOCH + j.begn_day.as_interval("D")).cast("date")
    j = j.mutate(age=age_years(j.birth, begn), age_d=age_days(j.birth, begn))
    j = j.inner_join(rules, [j.category >= rules.category_from, j.category <= rules.category_to])
    outside = (
        (j.min_age_years.notnull() & (j.age < j.min_age_years))
        | (j.max_age_years.notnull() & (j.age > j.max_age_years))
        | (j.max_age_days.notnull() & (j.age_d > j.max_age_days))
    )
    j = j.filter(outside)
    g = j.group_by(["mdtrt_id", "begn_day", "age"]).aggregate(
        codes=sorted_collect(j.code, distinct=True),
        note=j.note.max(),
    )
    evidence = "诊断 " + g.codes.join("、") + "（" + g.note + "）与参保人年龄（" + text(g.age) + "岁）不符"
    return emit(
        g,
        mdtrt_id=g.mdtrt_id,
        kp_id=NO_KP,
        fee_ids=NO_FEE_IDS,
        amount=ibis.literal(0),
        evidence=evidence,
        event_day=g.begn_day,
    )
