"""`qiandai governance`: 平安办/反诈办 work — units, case statistics, fraud-free evaluation, app-install
campaigns, publicity, high-risk persons and circulars. Each sub-area contributes its own Typer app, added here."""

from __future__ import annotations

import typer

app = typer.Typer(
    no_args_is_help=True, help="反诈治理：单位、案件统计、无诈评价、国家反诈App推广、宣传台账、重点人员、通报"
)
