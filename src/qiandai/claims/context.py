"""The audit context: the prepared tables every claims rule compiles against.

After ingestion the engine builds, once per run, two enriched tables with Ibis (so that the same
preparation runs on any Ibis backend):

``visit_x`` — one row per visit: ids, institution, scene (门诊/住院/购药), institution tier, insurance
type, resolved gender and birth date (from ``gend``/``brdy``, falling back to the identity number),
admission/discharge day numbers, main diagnosis and its 3-character category, the person's death
day (earliest ``die_date`` of any of their visits) and the visit's total fees.

``fee_x`` — one row per fee line with the item code (``hilist_code`` or ``med_list_codg``), fee
time, fee day number (days since 1970-01-01), amounts, and the visit attributes above that rules need.

Day numbers make every date window integer arithmetic that all engines agree on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from qiandai.claims.schema import (
    HOSP_LEVEL_TIER,
    INPATIENT_MED_TYPES,
    OUTPATIENT_MED_TYPES,
    PHARMACY_MED_TYPES,
)

EPOCH = ibis.date("1970-01-01")
MONEY = "decimal(18, 2)"


def day_number(value: ir.DateValue) -> ir.IntegerValue:
    """Days since 1970-01-01 for a date expression."""
    return value.delta(EPOCH, unit="day")


def age_years(birth: ir.DateValue, on: ir.DateValue) -> ir.IntegerValue:
    """Completed years between ``birth`` and ``on`` (the birthday itself counts as a new year)."""
    before_birthday = (on.month() * 100 + on.day()) < (birth.month() * 100 + birth.day())
    return on.year() - birth.year() - before_birthday.cast("int64")


def age_days(birth: ir.DateValue, on: ir.DateValue) -> ir.IntegerValue:
    """Days between ``birth`` and ``on``."""
    return on.delta(birth, unit="day")


def day_to_date_text(day: ir.IntegerValue) -> ir.StringValue:
    """Render a day number as 'YYYY-MM-DD'."""
    return (EPOCH + day.as_interval("D")).cast("date").strftime("%Y-%m-%d")


def _scene(med_type: ir.StringValue) -> ir.StringValue:
    return ibis.cases(
        (med_type.isin(INPATIENT_MED_TYPES), "住院"),
        (med_type.isin(PHARMACY_MED_TYPES), "购药"),
        (med_type.isin(OUTPATIENT_MED_TYPES), "门诊"),
        else_="其他",
    )


def _tier(hosp_lv: ir.StringValue) -> ir.IntegerValue:
    cases = [(hosp_lv == code, tier) for code, tier in HOSP_LEVEL_TIER.items()]
    return ibis.cases(*cases, else_=ibis.null("int64"))


def build_visit_x(mdtrt: ir.Table, fee: ir.Table, diag: ir.Table) -> ir.Table:
    """Return the enriched visit table described in the module docstring."""
    certno_gender = ibis.cases(
        (
            mdtrt.certno.length() == 18,
            ibis.cases((mdtrt.certno.substr(16, 1).cast("int64") % 2 == 1, "1"), else_="2"),
        ),
        else_=ibis.null("string"),
    )
    gender = ibis.cases((mdtrt.gend.isin(("1", "2")), mdtrt.gend), else_=certno_gender)
    certno_birth = ibis.cases(
        (mdtrt.certno.length() == 18, mdtrt.certno.substr(6, 8).as_date("%Y%m%d")),
        else_=ibis.null("date"),
    )
    birth = mdtrt.brdy.fill_null(certno_birth)

    main_diag = (
        diag.filter(diag.maindiag_flag == "1")
        .group_by("mdtrt_id")
        .aggregate(main_diag_code=diag.diag_code.min())
    )
    totals = fee.group_by("mdtrt_id").aggregate(total_fee=fee.det_item_fee_sumamt.sum())
    death = (
        mdtrt.filter(mdtrt.die_date.notnull())
        .group_by("psn_no")
        .aggregate(death_day=day_number(mdtrt.die_date.min()))
    )

    v = mdtrt.mutate(
        scene=_scene(mdtrt.med_type),
        hosp_tier=_tier(mdtrt.hosp_lv),
        gender=gender,
        birth=birth,
        begn_day=day_number(mdtrt.begntime.date()),
        end_day=day_number(mdtrt.endtime.date()),
    )
    v = v.left_join(main_diag, "mdtrt_id").drop("mdtrt_id_right")
    v = v.left_join(totals, "mdtrt_id").drop("mdtrt_id_right")
    v = v.left_join(death, "psn_no").drop("psn_no_right")
    diag_code = v.dscg_maindiag_code.fill_null(v.main_diag_code).upper()
    return v.select(
        "mdtrt_id",
        "psn_no",
        "psn_name",
        "certno",
        "fixmedins_code",
        "fixmedins_name",
        "med_type",
        "scene",
        "hosp_tier",
        "insutype",
        "gender",
        "birth",
        "begntime",
        "endtime",
        "begn_day",
        "end_day",
        "refl_old_mdtrt_id",
        "death_day",
        diag_code=diag_code,
        diag_cat=diag_code.substr(0, 3),
        total_fee=v.total_fee.fill_null(0).cast(MONEY),
    )


def build_fee_x(fee: ir.Table, visit_x: ir.Table) -> ir.Table:
    """Return the enriched fee-line table described in the module docstring."""
    item_code = ibis.cases((fee.hilist_code.notnull(), fee.hilist_code), else_=fee.med_list_codg)
    item_name = fee.hilist_name.fill_null(fee.medins_list_name).fill_null(item_code)
    f = fee.select(
        "bkkp_sn",
        "mdtrt_id",
        item_code=item_code,
        item_name=item_name,
        fee_time=fee.fee_ocur_time,
        fee_day=day_number(fee.fee_ocur_time.date()),
        cnt=fee.cnt,
        pric=fee.pric,
        amount=fee.det_item_fee_sumamt,
        pric_uplmt_amt=fee.pric_uplmt_amt,
        chrgitm_type=fee.med_chrgitm_type,
    )
    v = visit_x.select(
        "mdtrt_id",
        "psn_no",
        "fixmedins_code",
        "med_type",
        "scene",
        "hosp_tier",
        "insutype",
        "gender",
        "birth",
        "begn_day",
        "end_day",
        "death_day",
    )
    return f.inner_join(v, "mdtrt_id")


@dataclass
class AuditContext:
    """What a rule compiler receives: the backend, the prepared tables and the knowledge tables."""

    backend: ibis.BaseBackend
    fee: ir.Table
    visits: ir.Table
    diag: ir.Table
    knowledge_loader: Callable[[str], pa.Table]
    absent_columns: dict[str, frozenset[str]] = field(default_factory=dict)
    register: Callable[[str, pa.Table], ir.Table] | None = None  # engine's Arrow registration
    _knowledge: dict[str, ir.Table] = field(default_factory=dict)

    def raw(self, key: str) -> ir.Table:
        """The ingested (typed, validated) national table ``key``: mdtrt, setl, fee, diag or oprn."""
        return self.backend.table(key)

    def knowledge(self, name: str) -> ir.Table:
        """Return the knowledge-base typed table ``name`` as a backend table (loaded once per run)."""
        if name not in self._knowledge:
            arrow = self.knowledge_loader(name)
            if self.register is not None:
                self._knowledge[name] = self.register(f"kb_{name}", arrow)
            else:
                self._knowledge[name] = self.backend.create_table(f"kb_{name}", obj=arrow, overwrite=True)
        return self._knowledge[name]
