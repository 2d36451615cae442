"""Arrow tables in the national layout (national table and column names, typed columns).

Strings are ``string``, datetimes ``TIMESTAMP`` (µs, naive), dates ``DATE``, money
``DECIMAL(18,2)`` and counts ``DECIMAL(18,4)``. Identifiers are spread with bijections so they look
unordered but are unique and reproducible:

- ``mdtrt_id`` ``MD`` + 14 digits, ``setl_id`` ``ST`` + 14, ``bkkp_sn`` ``FE`` + 16,
  ``psn_no`` ``3301`` + 16 digits, diagnosis row ids ``DG`` + 16.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qiandai.datagen.catalog import Catalog
from qiandai.datagen.common import (
    DAY,
    IntArray,
    affine_ids,
    age_years,
    dates,
    decimal_from_cents,
    id_strings,
    int_codes,
    take,
    timestamps,
    with_nulls,
)
from qiandai.datagen.diagnoses import DiagnosisCatalog
from qiandai.datagen.fees import Lines
from qiandai.datagen.institutions import Institutions
from qiandai.datagen.population import DISTRICTS, Population
from qiandai.datagen.visits import INPATIENT, PHARMACY_SCENE, Visits

_DEPTS = (
    ("A02", "全科医疗科"),
    ("A03", "内科"),
    ("A04", "外科"),
    ("A05", "妇产科"),
    ("A07", "儿科"),
    ("A20", "急诊医学科"),
)


def mdtrt_ids(visit: IntArray) -> pa.Array:
    return id_strings("MD", affine_ids(visit, 7_391_173, 20_250_000_000_000, 14), 14)


def setl_ids(visit: IntArray) -> pa.Array:
    return id_strings("ST", affine_ids(visit, 3_980_417, 31_000_000_000_000, 14), 14)


def psn_nos(person: IntArray) -> pa.Array:
    return id_strings("3301", affine_ids(person, 91_286_743, 4_400_000_000_000_000, 16), 16)


def bkkp_sns(line: IntArray) -> pa.Array:
    return id_strings("FE", affine_ids(line, 2_654_435_761, 1_100_000_000_000_000, 16), 16)


@dataclass
class VisitIds:
    """String ids of every visit and person, computed once and taken per fee line."""

    mdtrt: pa.Array
    setl: pa.Array
    psn: pa.Array  # per person
    inst_code: pa.Array
    inst_name: pa.Array
    med_type: pa.Array  # per visit

    @classmethod
    def build(cls, v: Visits, pop: Population, insts: Institutions) -> VisitIds:
        ids = np.arange(len(v), dtype=np.int64)
        return cls(
            mdtrt=mdtrt_ids(ids),
            setl=setl_ids(ids),
            psn=psn_nos(np.arange(len(pop), dtype=np.int64)),
            inst_code=pa.array(insts.code, type=pa.string()),
            inst_name=pa.array(insts.name, type=pa.string()),
            med_type=int_codes(v.med_type),
        )


def _dept(v: Visits, pop: Population) -> IntArray:
    age = age_years(pop.birth[v.person], v.begin // DAY)
    return np.select(
        [np.isin(v.med_type, [51, 52]), age < 14, v.med_type == 13, v.scene == INPATIENT],
        [3, 4, 5, 1 + (v.person % 2)],
        np.where(v.person % 3 == 0, 0, 1),
    )


def fee_table(
    lines: Lines, line_offset: int, v: Visits, ids: VisitIds, cat: Catalog, pop: Population
) -> pa.Table:
    """``FEE_LIST_D`` rows of ``lines`` (numbered from ``line_offset``)."""
    n = len(lines)
    visit = lines.visit
    person = v.person[visit]
    code_names = pa.array(cat.codes, type=pa.string())
    item_names = pa.array(cat.names, type=pa.string())
    dept = _dept(v, pop)[visit] if n else np.zeros(0, dtype=np.int64)
    no_ceil = lines.ceil < 0
    no_rx = lines.rx < 0
    rx = pc.binary_join_element_wise(
        take(ids.mdtrt, visit), id_strings("", np.maximum(lines.rx, 0), 2), "-RX"
    )
    return pa.table(
        {
            "bkkp_sn": bkkp_sns(np.arange(line_offset, line_offset + n, dtype=np.int64)),
            "mdtrt_id": take(ids.mdtrt, visit),
            "fee_ocur_time": timestamps(lines.time),
            "setl_id": take(ids.setl, visit),
            "fixmedins_code": take(ids.inst_code, v.inst[visit]),
            "fixmedins_name": take(ids.inst_name, v.inst[visit]),
            "psn_no": take(ids.psn, person),
            "med_type": take(ids.med_type, visit),
            "cnt": decimal_from_cents(lines.cnt * 10_000, scale=4),
            "pric": decimal_from_cents(lines.pric),
            "det_item_fee_sumamt": decimal_from_cents(lines.amount),
            "pric_uplmt_amt": decimal_from_cents(np.where(no_ceil, 0, lines.ceil), null_mask=no_ceil),
            "hilist_code": take(code_names, lines.code),
            "hilist_name": take(item_names, lines.code),
            "list_type": take(cat.list_type, lines.code),
            "med_list_codg": take(code_names, lines.code),
            "medins_list_name": take(item_names, lines.code),
            "med_chrgitm_type": take(cat.chrgitm, lines.code),
            "bilg_dept_codg": take([d for d, _ in _DEPTS], dept),
            "bilg_dept_name": take([name for _, name in _DEPTS], dept),
            "rx_drord_no": with_nulls(rx, no_rx),
            "prd_days": decimal_from_cents(lines.prd * 100, null_mask=lines.prd <= 0),
            "crte_time": timestamps(lines.time + lines.delay),
        }
    )


def mdtrt_table(
    v: Visits, ids: VisitIds, pop: Population, insts: Institutions, dx: DiagnosisCatalog
) -> pa.Table:
    """``MDTRT_D``: one row per visit."""
    person = v.person
    inpatient = v.scene == INPATIENT
    not_inp = ~inpatient
    has_diag = inpatient & (v.diag >= 0)
    diag = np.maximum(v.diag, 0)
    dept = _dept(v, pop)
    certno = pa.array(pop.certno, type=pa.string())
    names = pa.array(pop.name, type=pa.string())
    admdvs = [code for code, _ in DISTRICTS]
    return pa.table(
        {
            "mdtrt_id": ids.mdtrt,
            "psn_no": take(ids.psn, person),
            "psn_cert_type": take(["01"], np.zeros(len(v), dtype=np.int64)),
            "certno": take(certno, person),
            "psn_name": take(names, person),
            "gend": take(["0", "1", "2"], pop.gender[person]),
            "brdy": dates(pop.birth[person]),
            "insutype": take(
                ["310", "390", "410", "510"], np.searchsorted([310, 390, 410, 510], pop.insutype[person])
            ),
            "insu_admdvs": take(admdvs, pop.district[person]),
            "fixmedins_code": take(ids.inst_code, v.inst),
            "fixmedins_name": take(ids.inst_name, v.inst),
            "hosp_lv": take(pa.array(insts.hosp_lv, type=pa.string()), v.inst),
            "fix_blng_admdvs": take(admdvs, insts.district[v.inst]),
            "begntime": timestamps(v.begin),
            "endtime": timestamps(v.end),
            "med_type": ids.med_type,
            "refl_old_mdtrt_id": with_nulls(mdtrt_ids(np.maximum(v.refl_old, 0)), v.refl_old < 0),
            "adm_dept_codg": take([d for d, _ in _DEPTS], dept),
            "adm_dept_name": take([name for _, name in _DEPTS], dept),
            "dscg_maindiag_code": with_nulls(take(dx.code, diag), ~has_diag),
            "dscg_way": with_nulls(int_codes(v.dscg_way), not_inp),
            "die_date": dates(v.end // DAY, null_mask=~v.die),
            "ipt_days": pa.array(v.nights, type=pa.int64(), mask=not_inp),
            "dscg_maindiag_name": with_nulls(take(dx.name, diag), ~has_diag),
        }
    )


def setl_table(
    v: Visits,
    ids: VisitIds,
    pop: Population,
    insts: Institutions,
    total_cents: IntArray,
    rng: np.random.Generator,
) -> pa.Table:
    """``SETL_D``: one settlement per visit; ``medfee_sumamt`` is the sum of the visit's fee lines."""
    person = v.person
    ratio = np.select(
        [v.scene == INPATIENT, v.scene == PHARMACY_SCENE],
        [rng.integers(650, 860, size=len(v)), np.zeros(len(v), dtype=np.int64)],
        rng.integers(400, 650, size=len(v)),
    )
    hifp = total_cents * ratio // 1000
    psn_pay = total_cents - hifp
    acct = np.where(v.scene == PHARMACY_SCENE, psn_pay, psn_pay * rng.integers(0, 1001, size=len(v)) // 1000)
    return pa.table(
        {
            "setl_id": ids.setl,
            "mdtrt_id": ids.mdtrt,
            "psn_no": take(ids.psn, person),
            "psn_name": take(pa.array(pop.name, type=pa.string()), person),
            "gend": take(["0", "1", "2"], pop.gender[person]),
            "brdy": dates(pop.birth[person]),
            "fixmedins_code": take(ids.inst_code, v.inst),
            "fixmedins_name": take(ids.inst_name, v.inst),
            "hosp_lv": take(pa.array(insts.hosp_lv, type=pa.string()), v.inst),
            "begndate": dates(v.begin // DAY),
            "enddate": dates(v.end // DAY),
            "setl_time": timestamps(v.end),
            "med_type": ids.med_type,
            "medfee_sumamt": decimal_from_cents(total_cents),
            "hifp_pay": decimal_from_cents(hifp),
            "fund_pay_sumamt": decimal_from_cents(hifp),
            "psn_pay": decimal_from_cents(psn_pay),
            "acct_pay": decimal_from_cents(acct),
            "cash_payamt": decimal_from_cents(psn_pay - acct),
        }
    )


def diag_table(v: Visits, ids: VisitIds, dx: DiagnosisCatalog) -> pa.Table:
    """``SETL_LIST_DIAG_D``: the main diagnosis (``maindiag_flag`` '1') and up to two others."""
    visit = np.concatenate(
        [np.flatnonzero(v.diag >= 0), np.flatnonzero(v.diag2 >= 0), np.flatnonzero(v.diag3 >= 0)]
    )
    diag = np.concatenate([v.diag[v.diag >= 0], v.diag2[v.diag2 >= 0], v.diag3[v.diag3 >= 0]])
    main = np.concatenate(
        [
            np.ones(int((v.diag >= 0).sum()), dtype=np.int64),
            np.zeros(len(visit) - int((v.diag >= 0).sum()), dtype=np.int64),
        ]
    )
    order = np.lexsort((1 - main, visit))
    visit, diag, main = visit[order], diag[order], main[order]
    row = np.arange(len(visit), dtype=np.int64)
    return pa.table(
        {
            "setl_list_diag_id": id_strings("DG", affine_ids(row, 5_915_587, 7_700_000_000_000_000, 16), 16),
            "setl_id": take(ids.setl, visit),
            "mdtrt_id": take(ids.mdtrt, visit),
            "psn_no": take(ids.psn, v.person[visit]),
            "diag_type": take(["1"], np.zeros(len(visit), dtype=np.int64)),
            "maindiag_flag": take(["0", "1"], main),
            "diag_code": take(dx.code, diag),
            "diag_name": take(dx.name, diag),
        }
    )


OPRN_SCHEMA = pa.schema(
    [
        ("setl_list_oprn_id", pa.string()),
        ("setl_id", pa.string()),
        ("psn_no", pa.string()),
        ("mdtrt_id", pa.string()),
        ("main_oprn_flag", pa.string()),
        ("oprn_oprt_name", pa.string()),
        ("oprn_oprt_code", pa.string()),
        ("oprn_oprt_date", pa.timestamp("us")),
    ]
)
