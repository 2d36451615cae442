"""Visit-level features of the risk model (one Ibis query; no Python loop over rows).

Contract: :func:`visit_features` returns one row per ingested visit: the key columns
(:data:`VISIT_KEYS`) and one float64 column per feature of :data:`VISIT_FEATURES` (NULL where a feature
does not apply, e.g. stay days of an outpatient visit; LightGBM treats NULL as missing). When a
``suspects.parquet`` of an audit is given, :func:`finding_features` adds per visit the number of findings,
their amount and one count per rule (``rule:<rule_id>``). Every feature has a Chinese name for
explanations (``FeatureSpec.name``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qiandai.claims.context import age_years, build_visit_x, day_number
from qiandai.claims.indicators.base import IndicatorParams, fee_lines, visit_base

VISIT_KEYS = ("mdtrt_id", "psn_no", "fixmedins_code", "fixmedins_name", "period")


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """A model feature: its column id and Chinese name."""

    id: str
    name: str


VISIT_FEATURES: tuple[FeatureSpec, ...] = tuple(
    FeatureSpec(i, n)
    for i, n in (
        ("is_inpatient", "住院就诊"), ("is_pharmacy", "药店购药"), ("hosp_tier", "机构等级"),
        ("age", "年龄"), ("male", "男性"), ("total_fee", "本次医疗费用"), ("n_lines", "明细条数"),
        ("n_items", "项目种数"), ("n_fee_days", "计费天数"), ("drug_share", "药费占比"),
        ("lab_exam_share", "检验检查占比"), ("consumable_share", "耗材占比"), ("treatment_share", "治疗占比"),
        ("surgery_share", "手术费占比"), ("bed_share", "床位费占比"), ("high_value_share", "高值项目占比"),
        ("max_price", "最高单价"), ("max_line_amount", "最高单笔金额"), ("max_count", "单笔最大数量"),
        ("over_ceiling_lines", "超限价明细条数"), ("outside_stay_lines", "就诊期外计费条数"),
        ("late_upload_hours", "最长上传延迟（小时）"), ("stay_days", "住院天数"),
        ("weekend_admission", "周末入院"), ("night_admission", "夜间入院"), ("readmit_31d", "31天内再入院"),
        ("days_since_last_stay", "距上次出院天数"),
        ("person_visits_month", "当月就诊次数"), ("person_visits_day", "当日就诊次数"),
        ("person_inst_visits_month", "当月本机构就诊次数"), ("same_item_day_max", "同日同项目最多次数"),
        ("n_diagnoses", "诊断数"), ("n_operations", "手术操作数"), ("after_death", "死亡后就诊"),
        ("lines_per_day", "日均明细条数"),
    )
)  # fmt: skip


def _num(value: ir.Value) -> ir.FloatingValue:
    return value.cast("float64")


def _share(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    return ibis.cases((den > 0, _num(num) / _num(den)), else_=ibis.null("float64"))


def visit_features(backend: ibis.BaseBackend, params: IndicatorParams | None = None) -> pa.Table:
    """Key columns plus :data:`VISIT_FEATURES` for every visit of the ingested tables on ``backend``."""
    params = params or IndicatorParams(period="month")
    mdtrt, fee, diag, oprn = (backend.table(k) for k in ("mdtrt", "fee", "diag", "oprn"))
    visit_x = build_visit_x(mdtrt, fee, diag)
    lines = fee_lines(fee, params)
    base = backend.create_table("mdl_visit_base", visit_base(visit_x, mdtrt, lines, params), overwrite=True)

    code = fee.hilist_code.fill_null(fee.med_list_codg)
    f = fee.mutate(
        code=code,
        fday=day_number(fee.fee_ocur_time.date()),
        amt=_num(fee.det_item_fee_sumamt),
        delay_h=(fee.crte_time.epoch_seconds() - fee.fee_ocur_time.epoch_seconds()) / 3600.0,
        over=(fee.pric_uplmt_amt.notnull() & (fee.pric > fee.pric_uplmt_amt)),
    )
    per_day = f.group_by(["mdtrt_id", "code", "fday"]).aggregate(n=f.count())
    day_max = per_day.group_by(per_day.mdtrt_id.name("d_id")).aggregate(same_item_day_max=per_day.n.max())
    fa = f.group_by(f.mdtrt_id.name("f_id")).aggregate(
        n_items=f.code.nunique(),
        n_fee_days=f.fday.nunique(),
        min_fday=f.fday.min(),
        max_fday=f.fday.max(),
        surgery_amt=f.amt.sum(where=f.med_chrgitm_type == "06"),
        bed_amt=f.amt.sum(where=f.med_chrgitm_type == "01"),
        max_price=_num(f.pric.max()),
        max_line_amount=f.amt.max(),
        max_count=_num(f.cnt.max()),
        over_ceiling_lines=f.count(where=f.over),
        late_upload_hours=f.delay_h.max(),
    )
    nd = diag.group_by(diag.mdtrt_id.name("g_id")).aggregate(n_diagnoses=diag.count())
    no = oprn.group_by(oprn.mdtrt_id.name("o_id")).aggregate(n_operations=oprn.count())
    b = base
    b = b.left_join(fa, b.mdtrt_id == fa.f_id).drop("f_id")
    b = b.left_join(day_max, b.mdtrt_id == day_max.d_id).drop("d_id")
    b = b.left_join(nd, b.mdtrt_id == nd.g_id).drop("g_id")
    b = b.left_join(no, b.mdtrt_id == no.o_id).drop("o_id")
    b = _person_context(b)
    outside = ibis.cases(
        (
            b.end_day.notnull(),
            (b.min_fday < b.begn_day).cast("int64") + (b.max_fday > b.end_day).cast("int64"),
        ),
        else_=(b.min_fday < b.begn_day).cast("int64"),
    )
    values = {
        "is_inpatient": _num(b.is_ip),
        "is_pharmacy": _num(b.scene == "购药"),
        "hosp_tier": _num(b.hosp_tier),
        "age": _num(age_years(b.birth, b.begntime.date())),
        "male": _num(b.gender == "1"),
        "total_fee": b.fee,
        "n_lines": _num(b.lines),
        "n_items": _num(b.n_items),
        "n_fee_days": _num(b.n_fee_days),
        "drug_share": _share(b.drug_amt, b.fee),
        "lab_exam_share": _share(b.lab_amt, b.fee),
        "consumable_share": _share(b.cons_amt, b.fee),
        "treatment_share": _share(b.treat_amt, b.fee),
        "surgery_share": _share(b.surgery_amt.fill_null(0), b.fee),
        "bed_share": _share(b.bed_amt.fill_null(0), b.fee),
        "high_value_share": _share(b.high_amt, b.fee),
        "max_price": b.max_price,
        "max_line_amount": b.max_line_amount,
        "max_count": b.max_count,
        "over_ceiling_lines": _num(b.over_ceiling_lines.fill_null(0)),
        "outside_stay_lines": _num(outside.fill_null(0)),
        "late_upload_hours": b.late_upload_hours,
        "stay_days": _num(b.stay_days),
        "weekend_admission": _num(b.weekend_adm),
        "night_admission": _num(b.night_adm),
        "readmit_31d": _num(b.readmit31),
        "days_since_last_stay": _num(b.days_since_last_stay),
        "person_visits_month": _num(b.person_visits_month),
        "person_visits_day": _num(b.person_visits_day),
        "person_inst_visits_month": _num(b.person_inst_visits_month),
        "same_item_day_max": _num(b.same_item_day_max),
        "n_diagnoses": _num(b.n_diagnoses.fill_null(0)),
        "n_operations": _num(b.n_operations.fill_null(0)),
        "after_death": _num((b.death_day.notnull() & (b.begn_day > b.death_day)).fill_null(False)),
        "lines_per_day": _share(b.lines, b.n_fee_days),
    }
    out = b.select(*VISIT_KEYS, **{s.id: values[s.id] for s in VISIT_FEATURES}).order_by("mdtrt_id")
    return backend.to_pyarrow(out)


def _person_context(b: ir.Table) -> ir.Table:
    """Visits of the same person in the month / day / month at this institution, and the days since the
    person's previous inpatient discharge (any institution; inpatient visits only)."""
    month = b.period_idx
    w_month = ibis.window(group_by=[b.psn_no, month])
    w_day = ibis.window(group_by=[b.psn_no, b.begn_day])
    w_inst = ibis.window(group_by=[b.psn_no, b.fixmedins_code, month])
    b = b.mutate(
        person_visits_month=b.count().over(w_month),
        person_visits_day=b.count().over(w_day),
        person_inst_visits_month=b.count().over(w_inst),
    )
    ip = b.filter(b.is_ip)
    w = ibis.window(group_by=ip.psn_no, order_by=[ip.begntime, ip.mdtrt_id])
    prev = ip.select(p_id=ip.mdtrt_id, gap=ip.begn_day - ip.end_day.lag().over(w))
    return b.left_join(prev, b.mdtrt_id == prev.p_id).drop("p_id").rename(days_since_last_stay="gap")


def finding_features(suspects: Path) -> tuple[pa.Table, list[FeatureSpec]]:
    """Per visit (``mdtrt_id``): finding count, amount and one count per rule of ``suspects.parquet``."""
    findings = pq.read_table(suspects, columns=["mdtrt_id", "rule_id", "rule_name", "amount", "event_date"])
    grouped = findings.group_by(["mdtrt_id", "rule_id"]).aggregate([([], "count_all"), ("amount", "sum")])
    rules = sorted(set(findings.column("rule_id").to_pylist()))
    names = dict(
        zip(findings.column("rule_id").to_pylist(), findings.column("rule_name").to_pylist(), strict=True)
    )
    by_visit = grouped.group_by("mdtrt_id").aggregate([("count_all", "sum"), ("amount_sum", "sum")])
    table = pa.table(
        {
            "mdtrt_id": by_visit.column("mdtrt_id"),
            "findings": pc.cast(by_visit.column("count_all_sum"), pa.float64()),
            "findings_amount": pc.cast(by_visit.column("amount_sum_sum"), pa.float64()),
        }
    )
    specs = [FeatureSpec("findings", "疑点数"), FeatureSpec("findings_amount", "疑点涉及金额")]
    for rule in rules:
        rows = grouped.filter(pc.equal(grouped.column("rule_id"), rule))
        lookup = pc.index_in(table.column("mdtrt_id"), rows.column("mdtrt_id"))
        counts = pc.fill_null(pc.take(pc.cast(rows.column("count_all"), pa.float64()), lookup), 0.0)
        table = table.append_column(f"rule:{rule}", counts)
        specs.append(FeatureSpec(f"rule:{rule}", f"疑点：{names[rule]}"))
    return table, specs
