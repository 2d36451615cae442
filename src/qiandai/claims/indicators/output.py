"""Outputs of the indicator job: Parquet files, the Chinese workbook and the console summary.

Contract: :func:`write_outputs` writes ``indicators.parquet`` and ``rankings.parquet`` (English column
names, all levels) and, unless asked not to, ``indicators.xlsx`` with the sheets 机构排名, 机构指标,
医生排名, 医生指标, 指标说明 and 说明 (Chinese headers). :func:`render_top` prints the ``n`` highest-ranked
institutions of the latest period with the indicators that drive their rank.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from qiandai.claims.indicators.catalog import DOCTOR, INDICATORS, INSTITUTION, NOT_COMPUTED
from qiandai.claims.indicators.run import IndicatorResult
from qiandai.claims.indicators.xlsx import Sheet, write_tables

SCORES_PARQUET = "indicators.parquet"
RANKINGS_PARQUET = "rankings.parquet"
XLSX_NAME = "indicators.xlsx"

_ENTITY = {
    "fixmedins_code": "机构编号",
    "fixmedins_name": "机构名称",
    "entity_id": "医生编码",
    "period": "期间",
    "inst_type": "机构类型",
    "tier": "机构等级",
    "region": "区划",
    "dept": "科室",
}
SCORE_HEADERS = {
    **_ENTITY,
    "peer_group": "同组",
    "peer_n": "同组数",
    "indicator_code": "指标编码",
    "indicator_name": "指标",
    "value": "指标值",
    "peer_median": "同组中位数",
    "peer_mad": "同组MAD",
    "robust_z": "稳健Z值",
    "peer_rank": "排名",
}
RANK_HEADERS = {
    "rank": "综合排名",
    **_ENTITY,
    "visits": "就诊人次",
    "fee": "医疗费用（元）",
    "risk_score": "综合风险分",
    "indicators_high": "Z≥3.5指标数",
    "driver_1": "主要驱动指标1",
    "driver_2": "主要驱动指标2",
    "driver_3": "主要驱动指标3",
}


def _without(headers: dict[str, str], *drop: str) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in drop}


def _catalog_sheet() -> Sheet:
    table = pa.table(
        {
            "code": [i.code for i in INDICATORS] + list(NOT_COMPUTED),
            "id": [i.id for i in INDICATORS] + ["hospital_infection_rate"],
            "name": [i.name for i in INDICATORS] + ["院内感染发生率"],
            "unit": [i.unit for i in INDICATORS] + ["比例"],
            "levels": ["、".join(sorted(i.levels)) for i in INDICATORS] + ["—"],
            "formula": [i.formula for i in INDICATORS] + list(NOT_COMPUTED.values()),
        }
    )
    headers = {"code": "指标编码", "id": "指标标识", "name": "指标", "unit": "单位", "levels": "层级",
               "formula": "计算公式 / 说明"}  # fmt: skip
    return Sheet("指标说明", table, headers)


def write_outputs(result: IndicatorResult, out_dir: Path, *, write_xlsx: bool = True) -> list[Path]:
    """Write the Parquet files and (optionally) the workbook; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / SCORES_PARQUET, out_dir / RANKINGS_PARQUET]
    pq.write_table(result.scores, paths[0], compression="zstd")
    pq.write_table(result.rankings, paths[1], compression="zstd")
    if not write_xlsx:
        (out_dir / XLSX_NAME).unlink(missing_ok=True)
        return paths
    note = result.doctor_note
    inst_only = ("entity_id", "dept")
    sheets = [
        Sheet(
            "机构排名", result.level_rows(result.rankings, INSTITUTION), _without(RANK_HEADERS, *inst_only), 2
        ),
        Sheet("机构指标", result.level_rows(result.scores, INSTITUTION), _without(SCORE_HEADERS, *inst_only)),
        Sheet("医生排名", result.level_rows(result.rankings, DOCTOR), RANK_HEADERS, 2, note),
        Sheet("医生指标", result.level_rows(result.scores, DOCTOR), SCORE_HEADERS, 4, note),
        _catalog_sheet(),
    ]
    p = result.params
    info = {
        "期间": {"month": "自然月", "quarter": "季度", "year": "年度", "all": "全部数据"}[p.period],
        "同组": f"机构类型 + 机构等级 + 区划；有效机构少于 {p.min_peers} 家时逐级放宽"
        "（去掉区划，再去掉等级）",
        "稳健Z值": "0.6745 ×（指标值 − 同组中位数）÷ MAD；MAD 为 0 时用"
        "（指标值 − 中位数）÷（1.253314 × 平均绝对偏差）",
        "综合风险分": "各指标正向稳健Z值（截断于 10）之和；主要驱动指标为 Z 值最大的正向指标",
        "排名": "「机构指标」中的排名为同组内该指标从高到低的名次；「机构排名」为同期间综合风险分的名次",
        "医生层面": note or "按费用明细的开单医生编码（bilg_dr_code）汇总；同组为机构类型 + 等级 + 科室",
        "院内感染发生率": NOT_COMPUTED["ZB10000205007000"],
    }
    paths.append(write_tables(out_dir / XLSX_NAME, sheets, info))
    return paths


def latest_top(rankings: pa.Table, n: int = 10, level: str = INSTITUTION) -> pa.Table:
    """The ``n`` best-ranked entities of ``level`` in the latest period."""
    rows = rankings.filter(pc.equal(rankings.column("level"), level))
    if rows.num_rows == 0:
        return rows
    last = pc.max(rows.column("period_idx"))
    rows = rows.filter(pc.equal(rows.column("period_idx"), last))
    return rows.sort_by([("rank", "ascending")]).slice(0, n)


def render_top(result: IndicatorResult, console: Console, n: int = 10) -> None:
    """Print the top ``n`` institutions of the latest period, and the doctor-level note if any."""
    top = latest_top(result.rankings, n)
    period = top.column("period")[0].as_py() if top.num_rows else "—"
    table = Table(title=f"综合风险排名前 {n} 的定点医药机构（{period}）")
    for title in ("排名", "机构编号", "机构名称", "类型/等级", "综合风险分", "主要驱动指标"):
        table.add_column(title, justify="right" if title in ("排名", "综合风险分") else "left")
    for row in top.to_pylist():
        drivers = "；".join(d for d in (row["driver_1"], row["driver_2"], row["driver_3"]) if d) or "—"
        table.add_row(
            str(row["rank"]),
            row["fixmedins_code"],
            row["fixmedins_name"] or "—",
            f"{row['inst_type']}/{row['tier']}",
            f"{row['risk_score']:.2f}",
            drivers,
        )
    console.print(table)
    if result.doctor_note:
        console.print(f"[yellow]{result.doctor_note}[/]")
