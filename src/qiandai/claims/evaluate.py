"""Evaluation of an audit run against the generator's ground truth (precision, recall, F1 per rule).

Contract (see docs/claims-rules.md): a finding and a truth case are keyed by (``rule_code``, ``mdtrt_id``);
duplicates on either side count once. Per rule code present in the findings or the truth:

- TP = keys on both sides, FP = keys only in the findings, FN = keys only in the truth;
- precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2·TP / (2·TP + FP + FN);
- a ratio whose denominator is 0 is undefined (``None``, shown as '—'), except precision when there are
  neither findings nor truth, which is 1.0 (nothing was claimed, nothing was wrong);
- *overall* is micro-averaged (sums of TP, FP, FN); *macro* is the mean of the defined per-rule values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from qiandai.domain.errors import EvaluationError

KEY_COLUMNS: tuple[str, str] = ("rule_code", "mdtrt_id")
FINDINGS_FILE = "suspects.parquet"
TRUTH_FILE = "ground_truth.parquet"


@dataclass(frozen=True)
class Scores:
    """Counts and ratios for one rule or for all rules together (micro average)."""

    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None

    @classmethod
    def from_counts(cls, tp: int, fp: int, fn: int) -> Scores:
        """Compute the ratios with the module's 0/0 conventions."""
        precision = _ratio(tp, tp + fp)
        if tp + fp == 0 and fn == 0:
            precision = 1.0
        return cls(tp, fp, fn, precision, _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn))

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class RuleScore:
    """One rule code's result; ``rule_name`` is None when the rule has no findings to take it from."""

    rule_code: str
    rule_name: str | None
    scores: Scores

    def to_json(self) -> dict[str, Any]:
        return {"rule_code": self.rule_code, "rule_name": self.rule_name, **self.scores.to_json()}


@dataclass(frozen=True)
class MacroScores:
    """Means of the defined per-rule ratios over ``rules`` rule codes (None when no value is defined)."""

    precision: float | None
    recall: float | None
    f1: float | None
    rules: int

    def to_json(self) -> dict[str, Any]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "rules": self.rules}


@dataclass(frozen=True)
class Evaluation:
    """Per-rule scores ordered by rule code, micro-averaged ``overall`` and ``macro`` averages."""

    per_rule: tuple[RuleScore, ...]
    overall: Scores
    macro: MacroScores

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict with the stable keys ``per_rule``, ``overall`` and ``macro``."""
        return {
            "per_rule": [rule.to_json() for rule in self.per_rule],
            "overall": self.overall.to_json(),
            "macro": self.macro.to_json(),
        }


def evaluate(findings_path: Path, truth_path: Path) -> Evaluation:
    """Compare an audit output (folder holding ``suspects.parquet``, or the file) with a ground truth file.

    ``truth_path`` is a ``ground_truth.parquet`` (or a folder holding one). Raises
    :class:`EvaluationError` when a file is missing, unreadable or lacks ``rule_code`` / ``mdtrt_id``.
    """
    findings = _read_keys(
        _resolve(findings_path, FINDINGS_FILE, "疑点文件"), "疑点文件", extra=("rule_name",)
    )
    truth = _read_keys(_resolve(truth_path, TRUTH_FILE, "标准答案文件"), "标准答案文件", extra=())
    counts = _count_by_rule(_distinct_keys(findings), _distinct_keys(truth))
    names = _rule_names(findings)
    per_rule = tuple(
        RuleScore(
            row["rule_code"], names.get(row["rule_code"]), Scores.from_counts(row["tp"], row["fp"], row["fn"])
        )
        for row in counts.to_pylist()
    )
    overall = Scores.from_counts(
        sum(r.scores.tp for r in per_rule),
        sum(r.scores.fp for r in per_rule),
        sum(r.scores.fn for r in per_rule),
    )
    macro = MacroScores(
        precision=_mean([r.scores.precision for r in per_rule]),
        recall=_mean([r.scores.recall for r in per_rule]),
        f1=_mean([r.scores.f1 for r in per_rule]),
        rules=len(per_rule),
    )
    return Evaluation(per_rule, overall, macro)


def _resolve(path: Path, default_name: str, label: str) -> Path:
    file = path / default_name if path.is_dir() else path
    if not file.is_file():
        raise EvaluationError(f"找不到{label}：{file}")
    return file


def _read_keys(path: Path, label: str, *, extra: tuple[str, ...]) -> pa.Table:
    """Read the key columns (and those of ``extra`` that exist) of a Parquet file, as strings."""
    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowException) as exc:
        raise EvaluationError(f"无法读取{label} {path}：{exc}") from exc
    missing = [name for name in KEY_COLUMNS if name not in names]
    if missing:
        raise EvaluationError(f"{label} {path} 缺少列：{'、'.join(missing)}")
    columns = [*KEY_COLUMNS, *(name for name in extra if name in names)]
    try:
        table = pq.read_table(path, columns=columns)
        return table.cast(pa.schema([pa.field(name, pa.string()) for name in columns]))
    except (OSError, pa.ArrowException) as exc:
        raise EvaluationError(f"无法读取{label} {path}：{exc}") from exc


def _distinct_keys(table: pa.Table) -> pa.Table:
    keys = table.select(list(KEY_COLUMNS)).drop_null()
    return keys.group_by(list(KEY_COLUMNS)).aggregate([])


def _count_by_rule(findings: pa.Table, truth: pa.Table) -> pa.Table:
    """Columns ``rule_code``, ``tp``, ``fp``, ``fn`` for every rule code on either side, ordered by code."""
    left = findings.append_column("found", pa.array([True] * findings.num_rows, pa.bool_()))
    right = truth.append_column("true", pa.array([True] * truth.num_rows, pa.bool_()))
    joined = left.join(right, keys=list(KEY_COLUMNS), join_type="full outer", coalesce_keys=True)
    found = pc.fill_null(joined["found"], False)
    true = pc.fill_null(joined["true"], False)
    flags = pa.table(
        {
            "rule_code": joined["rule_code"],
            "tp": pc.cast(pc.and_(found, true), pa.int64()),
            "fp": pc.cast(pc.and_(found, pc.invert(true)), pa.int64()),
            "fn": pc.cast(pc.and_(pc.invert(found), true), pa.int64()),
        }
    )
    grouped = flags.group_by("rule_code").aggregate([("tp", "sum"), ("fp", "sum"), ("fn", "sum")])
    grouped = grouped.rename_columns(["rule_code", "tp", "fp", "fn"])
    return grouped.sort_by("rule_code")


def _rule_names(findings: pa.Table) -> dict[str, str]:
    if "rule_name" not in findings.column_names:
        return {}
    named = findings.select(["rule_code", "rule_name"]).drop_null()
    grouped = named.group_by("rule_code").aggregate([("rule_name", "min")])
    return dict(zip(grouped["rule_code"].to_pylist(), grouped["rule_name_min"].to_pylist(), strict=True))


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def format_ratio(value: float | None) -> str:
    """Format a ratio as a percentage with one decimal ('95.2%'), or '—' when undefined."""
    return "—" if value is None else f"{value:.1%}"


def render_evaluation(evaluation: Evaluation, console: Console) -> None:
    """Print the per-rule table with the micro-averaged total and the macro averages."""
    table = Table(title="规则评估（对照标准答案）")
    table.add_column("规则编码", no_wrap=True)
    table.add_column("规则名称")
    for title in ("命中", "误报", "漏报", "精确率", "召回率", "F1"):
        table.add_column(title, justify="right")
    for rule in evaluation.per_rule:
        table.add_row(rule.rule_code, rule.rule_name or "—", *_score_cells(rule.scores))
    table.add_section()
    table.add_row("合计（微平均）", "", *_score_cells(evaluation.overall), style="bold")
    macro = evaluation.macro
    table.add_row(
        f"宏平均（{macro.rules} 条规则）",
        "",
        "",
        "",
        "",
        format_ratio(macro.precision),
        format_ratio(macro.recall),
        format_ratio(macro.f1),
    )
    console.print(table)


def _score_cells(scores: Scores) -> list[str]:
    return [
        f"{scores.tp:,}",
        f"{scores.fp:,}",
        f"{scores.fn:,}",
        format_ratio(scores.precision),
        format_ratio(scores.recall),
        format_ratio(scores.f1),
    ]
