"""Synthetic bedside check-ins (CHECKIN_D) for the generated inpatient stays, with ground truth.

Background: every inpatient stay with a discharge date checks in once a day from the admission to the
discharge date, at a fixed slot per person (08:00, 12:00 or 16:00 by the stay's rank among the
person's stays, plus up to 30 minutes), so overlapping stays of one person at two institutions are
hours apart; face scores lie in [0.70, 0.99]. Built with numpy (one row per stay-day).

Injected cases and hard negatives (``cases`` / ``hard`` per rule; docs/claims-stock-checkins.md):

- ``checkin_phantom_bed``: no check-in on 2–3 billed days strictly inside the stay; hard: one such day,
  plus the admission and discharge days (never judged);
- ``checkin_impostor``: a check-in with a score in [0.20, 0.55], or a check-in of the same person at
  another institution 5–55 minutes away; hard: a score of exactly 0.60, or 60 minutes and 1 second away.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qiandai.claims.findings import GROUND_TRUTH_SCHEMA
from qiandai.claims.schema import INPATIENT_MED_TYPES

RULES: dict[str, str] = {"checkin_phantom_bed": "QD-0202", "checkin_impostor": "QD-0203"}
DAY_S = 86_400
EPOCH = date(1970, 1, 1)


def _stays(mdtrt: pa.Table) -> dict[str, np.ndarray]:
    """Inpatient stays with a discharge not before the admission, and each stay's rank per person."""
    keep = pc.and_(pc.is_in(mdtrt["med_type"], pa.array(INPATIENT_MED_TYPES)), pc.is_valid(mdtrt["endtime"]))
    t = mdtrt.filter(pc.fill_null(keep, False)).sort_by([("psn_no", "ascending"), ("begntime", "ascending")])
    col = {
        n: np.array(t[n].to_pylist(), dtype=object)
        for n in ("mdtrt_id", "psn_no", "fixmedins_code", "certno")
    }
    b = np.array([(x.date() - EPOCH).days for x in t["begntime"].to_pylist()], dtype=np.int64)
    e = np.array([(x.date() - EPOCH).days for x in t["endtime"].to_pylist()], dtype=np.int64)
    ok = e >= b
    psn = col["psn_no"]
    first = np.r_[True, psn[1:] != psn[:-1]] if len(psn) else np.zeros(0, dtype=bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(psn)), 0)) if len(psn) else first
    rank = np.arange(len(psn)) - start
    return {**{k: v[ok] for k, v in col.items()}, "b": b[ok], "e": e[ok], "rank": rank[ok]}


def _interior_billed(fee_path: Path, ids: np.ndarray) -> dict[str, list[int]]:
    """Distinct fee day numbers per stay (all of them; callers keep the interior ones)."""
    con = duckdb.connect()
    con.register("ids", pa.table({"mdtrt_id": pa.array(ids.tolist(), type=pa.string())}))
    rows = con.execute(
        "SELECT f.mdtrt_id, list(DISTINCT CAST(CAST(f.fee_ocur_time AS DATE) - DATE '1970-01-01' AS BIGINT)) "
        f"FROM '{fee_path.as_posix()}' f JOIN ids USING (mdtrt_id) GROUP BY 1"
    ).fetchall()
    con.close()
    return {str(m): sorted(int(d) for d in days) for m, days in rows}


def generate(
    mdtrt: pa.Table, fee_path: Path, rng: np.random.Generator, cases: int, hard: int
) -> tuple[pa.Table, pa.Table]:
    """Return CHECKIN_D and its ground truth rows."""
    s = _stays(mdtrt)
    n = len(s["b"])
    days = s["e"] - s["b"] + 1
    stay = np.repeat(np.arange(n), days)
    within = np.arange(len(stay)) - np.repeat(np.cumsum(days) - days, days)
    day = s["b"][stay] + within
    slot = 8 + 4 * (s["rank"][stay] % 3)
    seconds = day * DAY_S + slot * 3600 + rng.integers(0, 31, len(stay)) * 60
    score = np.round(rng.uniform(0.70, 0.99, len(stay)), 2)
    keep = np.ones(len(stay), dtype=bool)
    extra: list[tuple[int, int, str]] = []  # (stay, seconds, institution)
    truth: list[dict[str, Any]] = []
    billed = _interior_billed(fee_path, s["mdtrt_id"])
    inner = {i: [d for d in billed.get(s["mdtrt_id"][i], []) if s["b"][i] < d < s["e"][i]] for i in range(n)}
    pool = [i for i in rng.permutation(n).tolist() if len(inner[i]) >= 2]
    insts = sorted(set(s["fixmedins_code"].tolist()))
    stayed_at = set(zip(s["psn_no"].tolist(), s["fixmedins_code"].tolist(), strict=True))
    rows_of = np.cumsum(days) - days  # first row of each stay

    def note(i: int, rule_id: str, text: str) -> None:
        truth.append(dict(rule_code=RULES[rule_id], rule_id=rule_id, mdtrt_id=s["mdtrt_id"][i],
                          psn_no=s["psn_no"][i], fee_ids=[], note=text))  # fmt: skip

    for k in range(cases + hard):  # 挂床: drop check-ins on interior billed days
        if not pool:
            break
        i, positive = pool.pop(), k < cases
        if positive:
            size = min(len(inner[i]), 2 + k % 2)
            drop = [int(d) for d in rng.choice(inner[i], size=size, replace=False)]
        else:
            drop = [inner[i][0], int(s["b"][i]), int(s["e"][i])]
        keep[rows_of[i] + np.array(drop) - s["b"][i]] = False
        if positive:
            note(i, "checkin_phantom_bed", f"{len(drop)}个计费日无签到")
    for k in range(2 * (cases + hard)):  # 冒名: low scores, then two places at once
        if not pool:
            break
        i, positive, low = pool.pop(), k % (cases + hard) < cases, k < cases + hard
        row = rows_of[i] + int(rng.integers(days[i]))
        if low:
            score[row] = round(float(rng.uniform(0.20, 0.55)), 2) if positive else 0.60
        else:
            others = [x for x in insts if (s["psn_no"][i], x) not in stayed_at]
            gap = int(rng.integers(5, 56)) * 60 if positive else 3601
            extra.append((i, int(seconds[row]) + gap, others[int(rng.integers(len(others)))]))
        if positive:
            note(i, "checkin_impostor", "人脸比对分值低" if low else "同时两地签到")
    idx = np.flatnonzero(keep)
    e_stay = np.array([x[0] for x in extra], dtype=np.int64)
    all_stay = np.concatenate([stay[idx], e_stay])
    ward = np.array([f"W{int(h) % 4 + 1:02d}" for h in all_stay], dtype=object)
    inst = np.concatenate([s["fixmedins_code"][stay[idx]], np.array([x[2] for x in extra], dtype=object)])
    secs = np.concatenate([seconds[idx], np.array([x[1] for x in extra], dtype=np.int64)])
    table = pa.table(
        {
            "checkin_id": pa.array([f"CK{j + 1:09d}" for j in range(len(all_stay))], type=pa.string()),
            "psn_no": pa.array(s["psn_no"][all_stay].tolist(), type=pa.string()),
            "certno": pa.array(s["certno"][all_stay].tolist(), type=pa.string()),
            "fixmedins_code": pa.array(inst.tolist(), type=pa.string()),
            "ward_code": pa.array(ward.tolist(), type=pa.string()),
            "checkin_time": pa.array(secs.astype("datetime64[s]"), type=pa.timestamp("s")),
            "device_id": pa.array([f"D-{c}-{w}" for c, w in zip(inst, ward, strict=True)], type=pa.string()),
            "face_score": pa.array(
                [f"{x:.2f}" for x in np.concatenate([score[idx], np.full(len(extra), 0.93)])]
            ).cast(pa.decimal128(18, 4)),
        }
    )
    return table, pa.Table.from_pylist(truth, schema=GROUND_TRUTH_SCHEMA)
