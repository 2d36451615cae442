"""Ground-truth labels for back-tests and shadow reports (``tx_label``).

A label says whether a decided transfer was in fact fraud (confirmed by a case, a victim's report or a
bank's review) and, optionally, which fraud type. Labels come from a CSV file (``qiandai transfers labels
import``) or the API, are validated as a whole table (pandas, no per-row Python loop), and are upserted by
transfer id: importing the same file twice changes nothing, a corrected label replaces the old one.

CSV columns (UTF-8, a BOM is fine; Chinese headers accepted): ``transfer_id`` (转账编号), ``label``
(标注: ``fraud`` / ``normal``, also 诈骗 / 正常, 1 / 0, true / false) and optionally ``fraud_type``
(诈骗类型, at most 32 characters). Bad rows are reported with their line number and reason; good rows are
stored. Labels for transfer ids with no stored decision are kept (a replay may come later) and counted.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from qiandai.domain.errors import InputFileError, InvalidInputError
from qiandai.store.base import now_utc
from qiandai.transfers.models import DecisionRow, LabelRow

HEADERS = {"转账编号": "transfer_id", "标注": "label", "诈骗类型": "fraud_type"}
TRUE = {"fraud", "诈骗", "涉诈", "1", "true", "yes", "是"}
FALSE = {"normal", "正常", "0", "false", "no", "否"}
ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
MAX_ROWS = 2_000_000


@dataclass
class LabelImport:
    """What an import did: rows read, stored (new / changed / unchanged), rejected with reasons."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    unmatched: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "unmatched": self.unmatched,
            "rejected": len(self.errors),
            "errors": [{"row": row, "reason": reason} for row, reason in self.errors],
        }

    def summary(self) -> str:
        return (
            f"读取 {self.rows:,} 行：新增 {self.inserted:,}，更新 {self.updated:,}，未变 {self.unchanged:,}，"
            f"拒绝 {len(self.errors):,}；其中 {self.unmatched:,} 条暂无对应的已存决策"
        )


def read_csv(path: Path) -> pd.DataFrame:
    """The label table of ``path`` (every cell text), or :class:`InputFileError` in Chinese."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError:
        raise InputFileError(str(path), "文件不存在或无法读取") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), f"不是 UTF-8 编码的 CSV 文件（第 {exc.start} 字节）") from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(str(path), f"无法解析为 CSV：{str(exc)[:120]}") from None
    frame = frame.rename(columns={c: HEADERS.get(c.strip(), c.strip()) for c in frame.columns})
    missing = [c for c in ("transfer_id", "label") if c not in frame.columns]
    if missing:
        raise InputFileError(
            str(path), f"缺少列 {', '.join(missing)}（需要 transfer_id, label[, fraud_type]）"
        )
    if len(frame) > MAX_ROWS:
        raise InputFileError(str(path), f"行数 {len(frame):,} 超过上限 {MAX_ROWS:,}，请分批导入")
    return frame


def validate(frame: pd.DataFrame, first_line: int = 2) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Split ``frame`` into good rows (``transfer_id``, ``is_fraud``, ``fraud_type``) and (line, reason).

    ``first_line`` is the line number of the first data row (2 in a CSV with a header; 1 for API items).
    """
    ids = frame["transfer_id"].astype(str).str.strip()
    raw = frame["label"].astype(str).str.strip().str.lower()
    kinds = (
        frame["fraud_type"].astype(str).str.strip()
        if "fraud_type" in frame
        else pd.Series("", index=frame.index)
    )
    line = pd.Series(range(first_line, first_line + len(frame)), index=frame.index)
    reason = pd.Series("", index=frame.index, dtype=object)
    reason = reason.mask(reason.eq("") & ids.eq(""), "transfer_id 为空")
    bad_id = reason.eq("") & ~ids.str.match(ID_PATTERN)
    reason = reason.mask(bad_id, "transfer_id 格式不正确（1–64 位字母、数字或 _ . : -）")
    known = raw.isin(TRUE | FALSE)
    reason = reason.mask(reason.eq("") & ~known, "label 应为 fraud 或 normal（诈骗/正常）：「" + raw + "」")
    reason = reason.mask(reason.eq("") & kinds.str.len().gt(32), "fraud_type 超过 32 个字符")
    is_fraud = raw.isin(TRUE)
    reason = reason.mask(reason.eq("") & ~is_fraud & kinds.ne(""), "标注为 normal 的行不应填写 fraud_type")
    ok = reason.eq("")
    # the same id twice with different labels is ambiguous: every such row is refused
    seen = pd.DataFrame({"id": ids[ok], "f": is_fraud[ok], "k": kinds[ok]}).drop_duplicates()
    clash = seen["id"][seen["id"].duplicated(keep=False)]
    conflicting = ok & ids.isin(set(clash))
    reason = reason.mask(conflicting, "同一 transfer_id 在文件中有相互矛盾的标注")
    ok = reason.eq("")
    good = pd.DataFrame({"transfer_id": ids[ok], "is_fraud": is_fraud[ok], "fraud_type": kinds[ok]})
    good = good.drop_duplicates("transfer_id")
    errors = list(zip(line[~ok].tolist(), reason[~ok].tolist(), strict=True))
    return good, errors


def store(session: Session, good: pd.DataFrame, source: str) -> LabelImport:
    """Upsert ``good`` rows into ``tx_label`` and count what changed (one transaction, the caller's)."""
    report = LabelImport()
    if good.empty:
        return report
    wanted = good.set_index("transfer_id")
    ids = list(wanted.index)
    existing: dict[str, tuple[bool, str]] = {}
    decided: set[str] = set()
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk : chunk + 5000]
        for r in session.execute(
            select(LabelRow.transfer_id, LabelRow.is_fraud, LabelRow.fraud_type).where(
                LabelRow.transfer_id.in_(part)
            )
        ):
            existing[r[0]] = (bool(r[1]), r[2] or "")
        decided.update(
            session.scalars(select(DecisionRow.transfer_id).where(DecisionRow.transfer_id.in_(part)))
        )
    current = pd.DataFrame(
        [(k, f, t) for k, (f, t) in existing.items()], columns=["transfer_id", "old_fraud", "old_type"]
    ).set_index("transfer_id")
    merged = wanted.join(current, how="left")
    new = merged["old_fraud"].isna()
    same = ~new & merged["old_fraud"].eq(merged["is_fraud"]) & merged["old_type"].eq(merged["fraud_type"])
    changed = merged[~same]
    report.inserted = int(new.sum())
    report.updated = int((~new & ~same).sum())
    report.unchanged = int(same.sum())
    report.unmatched = len(set(ids) - decided)
    if not changed.empty:
        now = now_utc()
        out = changed.reset_index()[["transfer_id", "is_fraud", "fraud_type"]]
        out = out.astype({"is_fraud": bool, "fraud_type": str}).assign(source=source[:64], labelled_at=now)
        rows = cast(list[dict[str, Any]], out.to_dict("records"))
        _upsert(session, rows)
    return report


def _upsert(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    table: Table = LabelRow.__table__  # type: ignore[assignment]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["transfer_id"],
        set_={c: stmt.excluded[c] for c in ("is_fraud", "fraud_type", "source", "labelled_at")},
    )
    for chunk in range(0, len(rows), 5000):
        session.execute(stmt, list(rows[chunk : chunk + 5000]))


def import_csv(session: Session, path: Path, source: str = "") -> LabelImport:
    """Validate and store the labels of a CSV file (see the module docstring)."""
    frame = read_csv(path)
    good, errors = validate(frame)
    report = store(session, good, source or path.name)
    report.rows, report.errors = len(frame), errors
    return report


def import_items(session: Session, items: Sequence[dict[str, Any]], source: str = "api") -> LabelImport:
    """Validate and store ``{"transfer_id", "label", "fraud_type"?}`` items (row = index + 1)."""
    if not items:
        raise InvalidInputError("标注列表为空")
    frame = pd.DataFrame(
        [
            {
                "transfer_id": str(i.get("transfer_id", "")),
                "label": str(i.get("label", "")),
                "fraud_type": str(i.get("fraud_type") or ""),
            }
            for i in items
        ]
    )
    good, errors = validate(frame, first_line=1)
    report = store(session, good, source)
    report.rows, report.errors = len(frame), errors
    return report
