"""`qiandai governance`: 平安办/反诈办 work — units, case statistics, fraud-free evaluation,
app-install campaigns, publicity, high-risk persons and circulars."""

from __future__ import annotations

import typer

from qiandai.cli import governance_stats, governance_units

app = typer.Typer(
    no_args_is_help=True, help="反诈治理：单位、案件统计、无诈评价、国家反诈App推广、宣传台账、重点人员、通报"
)
app.add_typer(governance_units.units_app, name="units")
app.add_typer(governance_units.installs_app, name="installs")
app.add_typer(governance_stats.cases_app, name="cases", help="案件统计：导入、统计（同比、环比）、考核目标")
app.add_typer(governance_stats.fraudfree_app, name="fraudfree", help="无诈村/无诈单位评价：草稿、审核、公布")
app.add_typer(governance_stats.publicity_app, name="publicity", help="宣传台账与知晓率调查")
app.add_typer(governance_stats.persons_app, name="persons", help="重点人员一人一档与核减")
app.command("report")(governance_stats.report)
