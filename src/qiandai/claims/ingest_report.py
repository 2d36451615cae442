"""What an ingestion did: rows read, loaded and quarantined per table, and what the folder lacked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class TableIngest:
    """One national table of an ingestion.

    ``path`` is None for an optional table absent from the folder (its engine table is empty).
    ``rows_read == rows_loaded + rows_quarantined`` always holds. ``absent_columns`` lists the
    optional typed columns the file lacked (loaded as NULL; the audit skips rules needing them);
    ``unknown_columns`` the file's columns that are neither typed nor in the national template.
    """

    key: str
    national_name: str
    label: str
    path: Path | None
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    problems: int  # quarantine records (one per row, field and problem)
    absent_columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The outcome of :func:`qiandai.claims.ingest.ingest_claims`."""

    folder: Path
    tables: Mapping[str, TableIngest]  # by table key, in TABLES order
    ignored_files: tuple[Path, ...]
    quarantine_csv: Path
    quarantine_parquet: Path

    @property
    def rows_read(self) -> int:
        return sum(t.rows_read for t in self.tables.values())

    @property
    def rows_loaded(self) -> int:
        return sum(t.rows_loaded for t in self.tables.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(t.rows_quarantined for t in self.tables.values())

    @property
    def problems(self) -> int:
        return sum(t.problems for t in self.tables.values())

    @property
    def absent_columns(self) -> dict[str, tuple[str, ...]]:
        """Absent optional typed columns by table key; an absent optional table lacks all of them."""
        return {t.key: t.absent_columns for t in self.tables.values()}

    def summary_lines(self) -> list[str]:
        """Chinese lines for the terminal: one per table, then totals, ignored files, quarantine."""
        lines = [f"输入目录：{self.folder}"]
        for t in self.tables.values():
            if t.path is None:
                lines.append(f"{t.national_name}（{t.label}）：未提供，按空表处理")
                continue
            line = (
                f"{t.national_name}（{t.label}）：{t.path.name} 读取 {t.rows_read:,} 行，"
                f"入库 {t.rows_loaded:,} 行，隔离 {t.rows_quarantined:,} 行"
            )
            lines.append(line)
            if t.absent_columns:
                lines.append(f"  缺少可选列（按空值处理）：{', '.join(t.absent_columns)}")
            if t.unknown_columns:
                lines.append(f"  警告：未知列已忽略：{', '.join(t.unknown_columns)}")
        lines.append(
            f"合计：读取 {self.rows_read:,} 行，入库 {self.rows_loaded:,} 行，"
            f"隔离 {self.rows_quarantined:,} 行（问题 {self.problems:,} 条）"
        )
        if self.ignored_files:
            lines.append("已忽略的文件：" + ", ".join(p.name for p in self.ignored_files))
        if self.problems:
            lines.append(f"隔离明细：{self.quarantine_csv}")
        return lines
