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
        """All columns of the national template for this table (from COLUMNS.md)."""
        return national_columns()[self.national_name]


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

TABLES: tuple[TableSpec, ...] = (MDTRT, SETL, FEE, DIAG, OPRN)
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
