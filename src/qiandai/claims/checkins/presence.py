"""Billed stay days, check-in presence and the ward-level presence rate (Ibis, any backend).

Conventions (docs/claims-stock-checkins.md):

- a *stay* is an inpatient visit (``scene`` 住院) with a discharge date; its *judged days* are the
  distinct fee dates strictly between the admission and the discharge dates (on those two days a
  patient may arrive after, or leave before, the check-in round);
- a check-in *belongs* to a stay when person, institution and date (within admission … discharge,
  inclusive) agree; a judged day is *present* when the stay has a check-in that day, whatever its
  face-match score (scores are judged by the impostor rule);
- only stays at an institution with at least one check-in (anyone's) dated within the stay are
  judged: an institution without the check-in system, or a period it was off, proves nothing.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from qiandai.claims.context import day_number

UNKNOWN_WARD = "未登记病区"


def checkin_days(checkin: ir.Table) -> ir.Table:
    """Check-ins with ``day`` (day number of ``checkin_time``)."""
    return checkin.mutate(day=day_number(checkin.checkin_time.date()))


def stays(visits: ir.Table) -> ir.Table:
    """Inpatient stays with a discharge date: mdtrt_id, psn_no, fixmedins_code, begn_day, end_day."""
    v = visits.filter((visits.scene == "住院") & visits.end_day.notnull())
    return v.select("mdtrt_id", "psn_no", "fixmedins_code", "fixmedins_name", "begn_day", "end_day")


def stay_checkins(visits: ir.Table, checkin: ir.Table) -> ir.Table:
    """The check-ins that belong to a stay, with the stay's columns (one row per check-in and stay)."""
    s, c = stays(visits), checkin_days(checkin)
    c = c.select("checkin_id", "ward_code", "checkin_time", "device_id", "face_score", "day",
                 c_psn="psn_no", c_inst="fixmedins_code")  # fmt: skip
    return s.inner_join(
        c,
        [s.psn_no == c.c_psn, s.fixmedins_code == c.c_inst, c.day >= s.begn_day, c.day <= s.end_day],
    ).drop("c_psn", "c_inst")


def judged_days(visits: ir.Table, fee: ir.Table, checkin: ir.Table) -> ir.Table:
    """One row per judged day of a judged stay: stay columns, ``fee_day``, ``present`` (bool)."""
    s = stays(visits)
    c = checkin_days(checkin)
    a = c.select(a_inst=c.fixmedins_code, a_day=c.day).distinct()
    active = s.inner_join(a, [s.fixmedins_code == a.a_inst, a.a_day >= s.begn_day, a.a_day <= s.end_day])
    judged = active.select(*s.columns).distinct()
    days = fee.select("mdtrt_id", "fee_day").distinct()
    d = judged.inner_join(days, "mdtrt_id")
    d = d.filter((d.fee_day > d.begn_day) & (d.fee_day < d.end_day))
    seen = stay_checkins(visits, checkin).select(p_id="mdtrt_id", p_day="day").distinct()
    d = d.left_join(seen, [d.mdtrt_id == seen.p_id, d.fee_day == seen.p_day])
    return d.mutate(present=d.p_id.notnull()).drop("p_id", "p_day")


def stay_wards(visits: ir.Table, checkin: ir.Table) -> ir.Table:
    """(mdtrt_id, ward_code): the ward of most of the stay's check-ins (ties: the smallest code)."""
    c = stay_checkins(visits, checkin)
    c = c.filter(c.ward_code.notnull())
    n = c.group_by(["mdtrt_id", "ward_code"]).aggregate(n=c.count())
    n = n.mutate(rank=ibis.row_number().over(group_by="mdtrt_id", order_by=[ibis.desc(n.n), n.ward_code]))
    return n.filter(n["rank"] == 0).select("mdtrt_id", "ward_code")


def presence_by_ward(visits: ir.Table, fee: ir.Table, checkin: ir.Table) -> ir.Table:
    """Presence rate per institution, ward and month of the judged days.

    Columns: fixmedins_code, fixmedins_name, ward_code (the stay's ward, :data:`UNKNOWN_WARD` when its
    check-ins name none), month ('YYYY-MM'), stays, billed_days, present_days, presence_rate
    (present / billed, 4 decimals).
    """
    d = judged_days(visits, fee, checkin)
    d = d.left_join(stay_wards(visits, checkin), "mdtrt_id").drop("mdtrt_id_right")
    month = (ibis.date("1970-01-01") + d.fee_day.as_interval("D")).cast("date").strftime("%Y-%m")
    d = d.mutate(ward_code=d.ward_code.fill_null(UNKNOWN_WARD), month=month)
    g = d.group_by(["fixmedins_code", "ward_code", "month"]).aggregate(
        fixmedins_name=d.fixmedins_name.max(),
        stays=d.mdtrt_id.nunique(),
        billed_days=d.count(),
        present_days=d.present.sum(),
    )
    rate = (g.present_days.cast("float64") / g.billed_days).round(4)
    return g.select(
        "fixmedins_code", "fixmedins_name", "ward_code", "month", "stays", "billed_days", "present_days",
        presence_rate=rate,
    ).order_by(["fixmedins_code", "ward_code", "month"])  # fmt: skip
