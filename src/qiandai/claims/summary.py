"""Per-rule and per-institution aggregates of a run's findings, and their console tables.

Contract: aggregates are column-wise (pyarrow compute, no Python loop over rows); money is ``Decimal``
quantised to cents and shown as ``¥1,234.56``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from rich.console import Console
from rich.table import Table

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class RuleSummary:
    """One rule's result in a run. ``skipped_reason`` says why the rule did not run (then 0 findings)."""

    rule_id: str
    rule_code: str
    rule_name: str
    result_type: str
    findings: int
    amount: Decimal
    skipped_reason: str | None = None


def summarise(findings: pa.Table) -> list[RuleSummary]:
    """Return one :class:`RuleSummary` per ``rule_id`` present in ``findings``, ordered by rule code."""
    grouped = (
        findings.group_by("rule_id")
        .aggregate(
            [
                ("rule_code", "min"),
                ("rule_name", "min"),
                ("result_type", "min"),
                ([], "count_all"),
                ("amount", "sum"),
            ]
        )
        .sort_by([("rule_code_min", "ascending"), ("rule_id", "ascending")])
    )
    return [
        RuleSummary(
            rule_id=row["rule_id"],
            rule_code=row["rule_code_min"],
            rule_name=row["rule_name_min"],
            result_type=row["result_type_min"],
            findings=row["count_all"],
            amount=money(row["amount_sum"]),
        )
        for row in grouped.to_pylist()
    ]


def top_institutions(findings: pa.Table, n: int = 5) -> pa.Table:
    """Return the ``n`` institutions with the largest amount at stake.

    Columns: ``fixmedins_code``, ``fixmedins_name``, ``findings`` (int64), ``rules`` (distinct rule
    codes), ``amount`` (decimal); ties broken by more findings, then code.
    """
    grouped = findings.group_by("fixmedins_code").aggregate(
        [
            ("fixmedins_name", "min"),
            ([], "count_all"),
            ("rule_code", "count_distinct"),
            ("amount", "sum"),
        ]
    )
    grouped = grouped.rename_columns(["fixmedins_code", "fixmedins_name", "findings", "rules", "amount"])
    ordered = grouped.sort_by(
        [("amount", "descending"), ("findings", "descending"), ("fixmedins_code", "ascending")]
    )
    return ordered.slice(0, n)


def institution_rule_summary(findings: pa.Table) -> pa.Table:
    """Institution × rule lines of 「汇总」, largest amount first."""
    keys = ["fixmedins_code", "rule_code"]
    grouped = findings.group_by(keys).aggregate(
        [
            ("fixmedins_name", "min"),
            ("rule_name", "min"),
            ("result_type", "min"),
            ([], "count_all"),
            ("amount", "sum"),
        ]
    )
    return grouped.sort_by(
        [
            ("amount_sum", "descending"),
            ("count_all", "descending"),
            ("fixmedins_code", "ascending"),
            ("rule_code", "ascending"),
        ]
    )


def institutions_per_rule(findings: pa.Table) -> dict[str, int]:
    grouped = findings.group_by("rule_id").aggregate([("fixmedins_code", "count_distinct")])
    return dict(
        zip(grouped["rule_id"].to_pylist(), grouped["fixmedins_code_count_distinct"].to_pylist(), strict=True)
    )


def money(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(_CENT)


def format_money(amount: Decimal) -> str:
    """Format an amount as ``¥1,234.56`` (``-¥1.00`` when negative)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount).quantize(_CENT):,.2f}"


def render_summary(
    summaries: Sequence[RuleSummary], console: Console, *, top_institutions: pa.Table | None = None
) -> None:
    """Print the per-rule summary with a total line and, if given, the top institutions (at most 5)."""
    skipped = any(s.skipped_reason for s in summaries)
    table = Table(title="疑点汇总（按规则）", show_footer=False)
    table.add_column("规则编码", no_wrap=True)
    table.add_column("规则名称")
    table.add_column("结果类型")
    table.add_column("疑点数", justify="right")
    table.add_column("涉及金额", justify="right")
    if skipped:
        table.add_column("备注")
    for s in summaries:
        count = "—" if s.skipped_reason else f"{s.findings:,}"
        row = [s.rule_code, s.rule_name, s.result_type, count, format_money(s.amount)]
        table.add_row(*row, *([f"未执行：{s.skipped_reason}" if s.skipped_reason else ""] if skipped else []))
    total_count = sum(s.findings for s in summaries)
    total_amount = sum((s.amount for s in summaries), Decimal(0))
    table.add_section()
    total = ["合计", "", "", f"{total_count:,}", format_money(total_amount)]
    table.add_row(*total, *([""] if skipped else []), style="bold")
    console.print(table)

    if top_institutions is not None:
        top = Table(title="涉及金额最高的定点医药机构（前 5）")
        top.add_column("机构编号", no_wrap=True)
        top.add_column("机构名称")
        top.add_column("疑点数", justify="right")
        top.add_column("涉及金额", justify="right")
        for row in top_institutions.slice(0, 5).to_pylist():
            top.add_row(
                row["fixmedins_code"] or "—",
                row["fixmedins_name"] or "—",
                f"{row['findings']:,}",
                format_money(money(row["amount"])),
            )
        console.print(top)
