"""Which input columns each rule template needs beyond the always-required ones.

Each requirement is a tuple of alternatives ("table.column"); one present alternative satisfies it.
A rule whose requirement is not met by the input is skipped, and the run says why.
"""

from __future__ import annotations

from collections.abc import Mapping

Requirement = tuple[str, ...]

GENDER: Requirement = ("mdtrt.gend", "mdtrt.certno")
BIRTH: Requirement = ("mdtrt.brdy", "mdtrt.certno")
DIAGNOSIS: Requirement = ("mdtrt.dscg_maindiag_code", "diag.diag_code")
OPERATION: Requirement = ("oprn.oprn_oprt_code",)

TEMPLATE_REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "pair_in_window": (),
    "daily_quantity_limit": (),
    "cycle_quantity_limit": (),
    "course_days_limit": (),
    "gender_restricted_item": (GENDER,),
    "age_group_restricted_item": (BIRTH,),
    "age_range_item": (BIRTH,),
    "diagnosis_gender": (GENDER, DIAGNOSIS),
    "diagnosis_age": (BIRTH, DIAGNOSIS),
    "institution_level_item": (("mdtrt.hosp_lv",),),
    "visit_type_item": (),
    "insurance_restricted_item": (("mdtrt.insutype",),),
    "price_over_ceiling": (("fee.pric_uplmt_amt",),),
    "fee_outside_stay": (("mdtrt.endtime",),),
    "split_admission": (("mdtrt.endtime",), DIAGNOSIS),
    "concurrent_stays": (("mdtrt.endtime",),),
    "phantom_bed": (("fee.med_chrgitm_type",),),
    "frequent_visits": (),
    "fee_after_death": (("mdtrt.die_date",),),
    "fee_amount_mismatch": (),
    "settlement_mismatch": (("setl.medfee_sumamt",),),
    "late_upload": (("fee.crte_time",),),
    "diagnosis_code_invalid": (DIAGNOSIS,),
    "operation_code_invalid": (OPERATION,),
    "operation_gender": (OPERATION, GENDER),
    "operation_diagnosis": (OPERATION,),
    "supply_days_limit": (("fee.prd_days",),),
    "drug_kinds_limit": (("fee.rx_drord_no",),),
    "frequent_admission": (),
    # 进销存 and bedside check-ins: optional Qiandai tables (docs/claims-stock-checkins.md)
    "stock_reconciliation": (("drug_stock.stock_cnt",), ("drug_purchase.cnt",), ("drug_sale.setl_flag",)),
    "split_pack_sale": (("drug_sale.trdn_flag",), ("drug_sale.setl_flag",), ("drug_purchase.pack_ratio",)),
    "sale_without_stock": (("drug_purchase.cnt", "drug_stock.stock_cnt"), ("drug_sale.setl_flag",)),
    "checkin_absence": (("checkin.checkin_time",), ("mdtrt.endtime",)),
    "checkin_impostor": (("checkin.checkin_time",), ("mdtrt.endtime",)),
}


def missing_requirements(template: str, absent: Mapping[str, frozenset[str]]) -> list[Requirement]:
    """Return the requirements of ``template`` that no present column satisfies.

    ``absent`` maps a table key to the typed columns its input file did not carry (an absent optional
    table has all its columns absent).
    """
    missing = []
    for requirement in TEMPLATE_REQUIREMENTS.get(template, ()):
        if all(col.split(".", 1)[1] in absent.get(col.split(".", 1)[0], frozenset()) for col in requirement):
            missing.append(requirement)
    return missing
