"""The national medical-insurance extraction tables (医保数据提取表) as Qiandai reads them.

Input folders hold one file per table, named after the national table (``MDTRT_D.csv``,
``FEE_LIST_D.parquet``, ``SETL_LIST_DIAG_D.xlsx`` …) with the national column names. The full
column lists come from the shipped ``COLUMNS.md`` (package data, not retyped here); this module
declares the *typed* subset that the engine uses, which of those columns every file must carry
(``required``) and the Chinese label used in messages and exports.

After ingestion each table lives in the DuckDB connection under its ``key`` (``mdtrt``, ``setl``,
``fee``, ``diag``, ``oprn``) with the typed columns below (missing optional columns are NULL) plus
``_file`` (source file name) and ``_row`` (1-based data row number in that file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class Kind(StrEnum):
    """How a column is typed and validated."""

    TEXT = "text"  # VARCHAR, trimmed; empty string is NULL
    CODE = "code"  # VARCHAR from a dictionary (validated against allowed values where given)
    INT = "int"  # BIGINT
    DECIMAL = "decimal"  # DECIMAL(18, 4) amounts and counts; money is never float
    DATE = "date"  # DATE (accepts 2024-01-31, 2024/01/31, 20240131, or a timestamp)
    DATETIME = "datetime"  # TIMESTAMP (accepts ISO, '2024-01-31 08:00:00', '20240131080000', a date)
    ID_NUMBER = "id_number"  # 18-digit resident identity number, MOD 11-2 checked


@dataclass(frozen=True, slots=True)
class Column:
    """A typed column of a national table."""

    name: str
    kind: Kind
    label: str
    required: bool = False
    allowed: tuple[str, ...] = ()  # dictionary values for CODE columns; empty means free text
    non_negative: bool = False  # for DECIMAL/INT: negative values are invalid
    maximum: float | None = None  # for DECIMAL/INT: values above it are invalid (face_score ≤ 1)


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One national extraction table."""

    key: str  # name of the table inside the engine: mdtrt, setl, fee, diag, oprn
    national_name: str  # file stem: MDTRT_D …
    label: str  # Chinese label
    primary_key: str
    columns: tuple[Column, ...]
    required_table: bool = True  # an input folder without this table is an error

    def column(self, name: str) -> Column:
        """Return the typed column ``name`` (KeyError when it is not a typed column)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def national_columns(self) -> tuple[str, ...]:
        """All columns of the national template (COLUMNS.md); a Qiandai table's are its typed columns."""
        return national_columns().get(self.national_name, tuple(c.name for c in self.columns))


# National dictionaries used for validation (医保信息平台 codes).
GENDERS = ("1", "2", "0", "9")  # 1 男, 2 女, 0 未知, 9 未说明
MED_TYPES = ("11", "12", "13", "14", "15", "16", "21", "22", "23", "24", "25", "41", "51", "52", "9901")
HOSP_LEVELS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11")
DSCG_WAYS = ("1", "2", "3", "4", "5", "9")
LIST_TYPES = ("101", "102", "201", "301")
CHRGITM_TYPES = tuple(f"{i:02d}" for i in range(1, 15))

MDTRT = TableSpec(
    key="mdtrt",
    national_name="MDTRT_D",
    label="就诊信息",
    primary_key="mdtrt_id",
    columns=(
        Column("mdtrt_id", Kind.TEXT, "就诊ID", required=True),
        Column("psn_no", Kind.TEXT, "人员编号", required=True),
        Column("certno", Kind.ID_NUMBER, "证件号码"),
        Column("psn_cert_type", Kind.CODE, "人员证件类型"),
        Column("psn_name", Kind.TEXT, "人员姓名"),
        Column("gend", Kind.CODE, "性别", allowed=GENDERS),
        Column("brdy", Kind.DATE, "出生日期"),
        Column("insutype", Kind.CODE, "险种类型"),
        Column("fixmedins_code", Kind.TEXT, "定点医药机构编号", required=True),
        Column("fixmedins_name", Kind.TEXT, "定点医药机构名称"),
        Column("hosp_lv", Kind.CODE, "医院等级", allowed=HOSP_LEVELS),
        Column("begntime", Kind.DATETIME, "开始时间", required=True),
        Column("endtime", Kind.DATETIME, "结束时间"),
        Column("med_type", Kind.CODE, "医疗类别", required=True, allowed=MED_TYPES),
        Column("adm_dept_codg", Kind.TEXT, "入院科室编码"),
        Column("dscg_maindiag_code", Kind.TEXT, "出院主诊断代码"),
        Column("dscg_maindiag_name", Kind.TEXT, "出院主诊断名称"),
        Column("dscg_way", Kind.CODE, "离院方式", allowed=DSCG_WAYS),
        Column("die_date", Kind.DATE, "死亡日期"),
        Column("refl_old_mdtrt_id", Kind.TEXT, "转院前就诊ID"),
        Column("ipt_days", Kind.INT, "住院天数", non_negative=True),
        Column("insu_admdvs", Kind.TEXT, "参保地医保区划"),
        Column("fix_blng_admdvs", Kind.TEXT, "定点归属医保区划"),
    ),
)

SETL = TableSpec(
    key="setl",
    national_name="SETL_D",
    label="结算信息",
    primary_key="setl_id",
    required_table=False,
    columns=(
        Column("setl_id", Kind.TEXT, "结算ID", required=True),
        Column("mdtrt_id", Kind.TEXT, "就诊ID", required=True),
        Column("psn_no", Kind.TEXT, "人员编号", required=True),
        Column("fixmedins_code", Kind.TEXT, "定点医药机构编号"),
        Column("setl_time", Kind.DATETIME, "结算时间"),
        Column("medfee_sumamt", Kind.DECIMAL, "医疗费总额", non_negative=True),
        Column("hifp_pay", Kind.DECIMAL, "统筹基金支出"),
        Column("fund_pay_sumamt", Kind.DECIMAL, "基金支付总额"),
        Column("psn_pay", Kind.DECIMAL, "个人支付金额"),
    ),
)

FEE = TableSpec(
    key="fee",
    national_name="FEE_LIST_D",
    label="费用明细",
    primary_key="bkkp_sn",
    columns=(
        Column("bkkp_sn", Kind.TEXT, "记账流水号", required=True),
        Column("mdtrt_id", Kind.TEXT, "就诊ID", required=True),
        Column("setl_id", Kind.TEXT, "结算ID"),
        Column("psn_no", Kind.TEXT, "人员编号"),
        Column("fixmedins_code", Kind.TEXT, "定点医药机构编号"),
        Column("fee_ocur_time", Kind.DATETIME, "费用发生时间", required=True),
        Column("med_list_codg", Kind.TEXT, "医疗目录编码", required=True),
        Column("hilist_code", Kind.TEXT, "医保目录编码"),
        Column("hilist_name", Kind.TEXT, "医保目录名称"),
        Column("medins_list_name", Kind.TEXT, "医药机构目录名称"),
        Column("list_type", Kind.CODE, "目录类别", allowed=LIST_TYPES),
        Column("med_chrgitm_type", Kind.CODE, "医疗收费项目类别", allowed=CHRGITM_TYPES),
        Column("cnt", Kind.DECIMAL, "数量", required=True, non_negative=True),
        Column("pric", Kind.DECIMAL, "单价", required=True, non_negative=True),
        Column("det_item_fee_sumamt", Kind.DECIMAL, "明细项目费用总额", required=True, non_negative=True),
        Column("pric_uplmt_amt", Kind.DECIMAL, "定价上限金额", non_negative=True),
        Column("bilg_dept_codg", Kind.TEXT, "开单科室编码"),
        Column("bilg_dr_code", Kind.TEXT, "开单医生编码"),
        Column("rx_drord_no", Kind.TEXT, "处方/医嘱号"),
        Column("prd_days", Kind.DECIMAL, "周期天数", non_negative=True),
        Column("crte_time", Kind.DATETIME, "数据创建时间"),
    ),
)

DIAG = TableSpec(
    key="diag",
    national_name="SETL_LIST_DIAG_D",
    label="结算清单诊断信息",
    primary_key="setl_list_diag_id",
    required_table=False,
    columns=(
        Column("setl_list_diag_id", Kind.TEXT, "诊断信息ID", required=True),
        Column("mdtrt_id", Kind.TEXT, "就诊ID", required=True),
        Column("setl_id", Kind.TEXT, "结算ID"),
        Column("psn_no", Kind.TEXT, "人员编号"),
        Column("diag_type", Kind.CODE, "诊断类别"),
        Column("maindiag_flag", Kind.CODE, "主诊断标志", allowed=("0", "1")),
        Column("diag_code", Kind.TEXT, "诊断代码", required=True),
        Column("diag_name", Kind.TEXT, "诊断名称"),
    ),
)

OPRN = TableSpec(
    key="oprn",
    national_name="SETL_LIST_OPRN_D",
    label="结算清单手术操作信息",
    primary_key="setl_list_oprn_id",
    required_table=False,
    columns=(
        Column("setl_list_oprn_id", Kind.TEXT, "手术操作信息ID", required=True),
        Column("mdtrt_id", Kind.TEXT, "就诊ID", required=True),
        Column("setl_id", Kind.TEXT, "结算ID"),
        Column("psn_no", Kind.TEXT, "人员编号"),
        Column("main_oprn_flag", Kind.CODE, "主手术操作标志", allowed=("0", "1")),
        Column("oprn_oprt_code", Kind.TEXT, "手术操作代码", required=True),
        Column("oprn_oprt_name", Kind.TEXT, "手术操作名称"),
        Column("oprn_oprt_date", Kind.DATETIME, "手术操作日期"),
    ),
)

# Optional Qiandai input tables (not national extraction tables): 进销存, modelled on the 3501–3507
# interfaces, and bedside check-ins; docs/claims-stock-checkins.md documents every column.
FLAGS = ("0", "1")
TRANSFER_TYPES = ("1", "2", "3")  # 1 结转 药库→药房, 2 消耗（领用、报损）, 3 退库 药房→药库
_INST = Column("fixmedins_code", Kind.TEXT, "定点医药机构编号", required=True)
_CODE = Column("med_list_codg", Kind.TEXT, "医疗目录编码", required=True)
_NAME = Column("drug_name", Kind.TEXT, "药品名称")
_PACKS = Column("cnt", Kind.DECIMAL, "数量（包装单位）", required=True, non_negative=True)

DRUG_PURCHASE = TableSpec(
    "drug_purchase", "DRUG_PURCHASE_D", "药品采购入库", "purchase_id", required_table=False,
    columns=(
        Column("purchase_id", Kind.TEXT, "采购入库ID", required=True), _INST, _CODE, _NAME,
        Column("batch_no", Kind.TEXT, "批号"),
        Column("purchase_date", Kind.DATE, "入库日期", required=True), _PACKS,
        Column("pack_ratio", Kind.DECIMAL, "转换比（每包装最小单位数）", non_negative=True),
        Column("pric", Kind.DECIMAL, "采购单价（元/包装）", non_negative=True),
        Column("supplier", Kind.TEXT, "供货单位"),
    ),
)  # fmt: skip
DRUG_SALE = TableSpec(
    "drug_sale", "DRUG_SALE_D", "药品销售", "sale_id", required_table=False,
    columns=(
        Column("sale_id", Kind.TEXT, "销售ID", required=True), _INST, _CODE, _NAME,
        Column("sale_time", Kind.DATETIME, "销售时间", required=True),
        Column("cnt", Kind.DECIMAL, "销售数量", required=True, non_negative=True),
        Column("trdn_flag", Kind.CODE, "拆零标志", allowed=FLAGS),
        Column("pric", Kind.DECIMAL, "销售单价", non_negative=True),
        Column("setl_flag", Kind.CODE, "医保结算标志", allowed=FLAGS),
        Column("mdtrt_id", Kind.TEXT, "就诊ID"),
        Column("psn_no", Kind.TEXT, "人员编号"),
    ),
)  # fmt: skip
DRUG_STOCK = TableSpec(
    "drug_stock", "DRUG_STOCK_D", "药品盘存", "count_id", required_table=False,
    columns=(
        Column("count_id", Kind.TEXT, "盘存记录ID", required=True), _INST, _CODE,
        Column("store_code", Kind.TEXT, "库房编码"),
        Column("count_date", Kind.DATE, "盘存日期", required=True),
        Column("stock_cnt", Kind.DECIMAL, "库存数量（包装单位）", required=True, non_negative=True),
    ),
)  # fmt: skip
DRUG_TRANSFER = TableSpec(
    "drug_transfer", "DRUG_TRANSFER_D", "药品结转与消耗", "transfer_id", required_table=False,
    columns=(
        Column("transfer_id", Kind.TEXT, "结转记录ID", required=True), _INST, _CODE,
        Column("transfer_type", Kind.CODE, "结转类型", required=True, allowed=TRANSFER_TYPES),
        Column("from_store", Kind.TEXT, "出库库房"),
        Column("to_store", Kind.TEXT, "入库库房"),
        Column("transfer_date", Kind.DATE, "结转日期", required=True), _PACKS,
    ),
)  # fmt: skip
CHECKIN = TableSpec(
    "checkin", "CHECKIN_D", "床旁签到", "checkin_id", required_table=False,
    columns=(
        Column("checkin_id", Kind.TEXT, "签到ID", required=True),
        Column("psn_no", Kind.TEXT, "人员编号", required=True),
        Column("certno", Kind.ID_NUMBER, "证件号码"), _INST,
        Column("ward_code", Kind.TEXT, "病区编码"),
        Column("checkin_time", Kind.DATETIME, "签到时间", required=True),
        Column("device_id", Kind.TEXT, "签到设备编号"),
        Column("face_score", Kind.DECIMAL, "人脸比对分值", non_negative=True, maximum=1.0),
    ),
)  # fmt: skip
STOCK_TABLES: tuple[TableSpec, ...] = (DRUG_PURCHASE, DRUG_SALE, DRUG_STOCK, DRUG_TRANSFER)

TABLES: tuple[TableSpec, ...] = (MDTRT, SETL, FEE, DIAG, OPRN, *STOCK_TABLES, CHECKIN)
TABLES_BY_KEY = {t.key: t for t in TABLES}
TABLES_BY_NATIONAL_NAME = {t.national_name: t for t in TABLES}

# Medical types (med_type) grouped by scene.
OUTPATIENT_MED_TYPES = ("11", "12", "13", "14", "15", "16", "51")
INPATIENT_MED_TYPES = ("21", "22", "23", "24", "25", "52")
PHARMACY_MED_TYPES = ("41",)

# Hospital level (hosp_lv) → tier: 3 三级, 2 二级, 1 一级, 0 无等级.
HOSP_LEVEL_TIER = {
    "01": 3, "02": 3, "03": 3, "04": 3,
    "05": 2, "06": 2, "07": 2,
    "08": 1, "09": 1, "10": 1,
    "11": 0,
}  # fmt: skip

# Insurance types (insutype) that the 工伤 / 生育 restrictions of batch 3 accept.
WORK_INJURY_INSUTYPES = ("410",)
MATERNITY_INSUTYPES = ("510",)


@cache
def national_columns() -> dict[str, tuple[str, ...]]:
    """Read every national table's full column list from the shipped ``COLUMNS.md``."""
    text = (
        resources.files("qiandai.knowledge")
        .joinpath("data/nhsa/extraction-templates/COLUMNS.md")
        .read_text(encoding="utf-8")
    )
    result: dict[str, tuple[str, ...]] = {}
    for match in re.finditer(r"^## (\w+)\n(.+)$", text, flags=re.MULTILINE):
        result[match.group(1)] = tuple(c.strip() for c in match.group(2).split(",") if c.strip())
    return result
