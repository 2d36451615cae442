"""Peer groups, robust z-scores, ranks and the indicators that drive each rank (Ibis window queries).

Contract:
- :func:`long_scores` turns a wide indicator table into one row per entity × period × indicator with its
  peer group, the group's median and MAD, the robust z and the rank inside the group (1 = highest value).
- Peer group: the finest key of ``peer_by`` (e.g. type + level + region) that has at least ``min_peers``
  entities with a value of that indicator in that period; otherwise the next coarser key (dropping
  dimensions from the end), down to the first dimension alone.
- Robust z = 0.6745 · (x − median) / MAD. When MAD = 0 (more than half the group shares one value) the
  mean absolute deviation is used instead, z = (x − median) / (1.253314 · MeanAD) (Iglewicz & Hoaglin);
  when that is 0 too, every value equals the median and z = 0. A NULL value has a NULL z and no rank.
- :func:`rankings` ranks the entities of each level and period by the risk score = Σ min(max(z, 0), 10)
  over their indicators, and names the ``top_drivers`` indicators with the largest positive z.
- Ranks and drivers order by values rounded to 9 decimals, so floating-point noise (summation order
  differs between DuckDB and Spark) never reorders ties: the tie-breakers (code, entity) decide.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from qiandai.claims.indicators.catalog import INDICATORS
from qiandai.domain.errors import InvalidInputError

PEER_DIMENSIONS = {"type": "inst_type", "level": "tier", "region": "region", "dept": "dept"}
Z_CAP = 10.0
HIGH_Z = 3.5
_GROUP = ["level", "period_idx", "indicator", "peer_group"]


def _order_key(value: ir.FloatingValue) -> ir.FloatingValue:
    """A float rounded to 9 decimals for ranking: values equal in exact arithmetic but apart in the last
    bits (engines sum floats in different orders) tie, and the tie-breakers decide, on every engine."""
    return value.round(9)


def _catalog_table() -> ir.Table:
    return ibis.memtable(
        pa.table(
            {
                "c_id": [i.id for i in INDICATORS],
                "indicator_code": [i.code for i in INDICATORS],
                "indicator_name": [i.name for i in INDICATORS],
            }
        )
    )


def _peer_key(t: ir.Table, dims: Sequence[str]) -> ir.StringValue:
    parts = [t[PEER_DIMENSIONS[d]].fill_null("—") for d in dims]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


def long_scores(
    wide: ir.Table, indicator_ids: Sequence[str], peer_by: Sequence[str], min_peers: int
) -> ir.Table:
    """One row per entity × period × indicator with peer statistics (see the module docstring)."""
    unknown = [d for d in peer_by if d not in PEER_DIMENSIONS]
    if unknown or not peer_by:
        raise InvalidInputError(
            f"未知的同组维度：{'、'.join(unknown) or '（空）'}；可选 {'、'.join(PEER_DIMENSIONS)}"
        )
    long = wide.pivot_longer(list(indicator_ids), names_to="indicator", values_to="value")
    long = long.mutate(value=long.value.cast("float64"))
    levels = [tuple(peer_by[:k]) for k in range(len(peer_by), 0, -1)]
    t = long.mutate(**{f"_k{i}": _peer_key(long, dims) for i, dims in enumerate(levels)})
    for i in range(len(levels)):
        w = ibis.window(group_by=["level", "period_idx", "indicator", f"_k{i}"])
        t = t.mutate(**{f"_n{i}": t.value.count().over(w)})
    last = len(levels) - 1
    peer = ibis.cases(*[(t[f"_n{i}"] >= min_peers, t[f"_k{i}"]) for i in range(last)], else_=t[f"_k{last}"])
    t = t.mutate(peer_group=peer).drop(
        *[f"_k{i}" for i in range(len(levels))], *[f"_n{i}" for i in range(len(levels))]
    )

    valid = t.filter(t.value.notnull())
    med = valid.group_by(_GROUP).aggregate(peer_n=valid.count(), peer_median=valid.value.median())
    t = _join_group(t, med)
    valid = t.filter(t.value.notnull())
    dev = (valid.value - valid.peer_median).abs()
    spread = valid.group_by(_GROUP).aggregate(peer_mad=dev.median(), peer_meanad=dev.mean())
    t = _join_group(t, spread)
    x, med_x = t.value, t.peer_median
    z = ibis.cases(
        (x.isnull(), ibis.null("float64")),
        (t.peer_mad > 0, 0.6745 * (x - med_x) / t.peer_mad),
        (t.peer_meanad > 0, (x - med_x) / (1.253314 * t.peer_meanad)),
        else_=ibis.literal(0.0),
    )
    w = ibis.window(group_by=_GROUP, order_by=[ibis.desc(_order_key(t.value))])
    t = t.mutate(
        robust_z=z,
        peer_rank=ibis.cases((x.notnull(), ibis.rank().over(w) + 1), else_=ibis.null("int64")),
    )
    cat = _catalog_table()
    return t.inner_join(cat, t.indicator == cat.c_id).drop("c_id", "peer_meanad")


def _join_group(t: ir.Table, stats: ir.Table) -> ir.Table:
    s = stats.rename(**{f"s_{k}": k for k in _GROUP})
    j = t.left_join(s, [t[k] == s[f"s_{k}"] for k in _GROUP])
    return j.drop(*[f"s_{k}" for k in _GROUP])


def rankings(scored: ir.Table, top_drivers: int) -> ir.Table:
    """One row per entity × period: risk score, rank in the level and period, the driving indicators."""
    ent = ["level", "entity_id", "fixmedins_code", "period_idx"]
    attrs = [
        "entity_name",
        "fixmedins_name",
        "period",
        "inst_type",
        "tier",
        "region",
        "dept",
        "visits",
        "fee",
    ]
    s = scored
    # DuckDB's greatest/least skip NULLs, so a NULL z must stay NULL explicitly.
    clipped = ibis.cases(
        (s.robust_z.isnull(), ibis.null("float64")),
        else_=ibis.greatest(ibis.least(s.robust_z, Z_CAP), 0.0),
    )
    score = s.group_by(ent).aggregate(
        **{a: s[a].max() for a in attrs},
        risk_score=clipped.sum().fill_null(0.0),
        indicators_scored=s.robust_z.count(),
        indicators_high=s.count(where=s.robust_z >= HIGH_Z),
    )
    pos = s.filter(s.robust_z > 0)
    w = ibis.window(group_by=ent, order_by=[ibis.desc(_order_key(pos.robust_z)), pos.indicator])
    pos = pos.mutate(rn=ibis.row_number().over(w))
    pos = pos.filter(pos.rn < top_drivers)
    text = pos.indicator_name + "（Z=" + pos.robust_z.round(2).cast("string") + "）"
    drivers = pos.group_by(ent).aggregate(
        **{f"driver_{i + 1}": text.max(where=pos.rn == i) for i in range(top_drivers)}
    )
    d = drivers.rename(**{f"d_{k}": k for k in ent})
    r = score.left_join(d, [score[k] == d[f"d_{k}"] for k in ent]).drop(*[f"d_{k}" for k in ent])
    wr = ibis.window(
        group_by=["level", "period_idx"],
        order_by=[ibis.desc(_order_key(r.risk_score)), r.fixmedins_code, r.entity_id],
    )
    return r.mutate(rank=ibis.row_number().over(wr) + 1)
