"""Labels for the risk model: generated ground truth, reviewer decisions, provider-level labels.

Contract: every loader returns :class:`Labels` — a level (``visit`` or ``institution``), a two-column
Arrow table (the key, ``label`` int8 1/0) and a description of its source.

- :func:`truth_labels` — ``ground_truth.parquet`` of the generator: every visit in it is positive; every
  other visit of the data is negative (``complete`` = True).
- :func:`file_labels` — a CSV/Parquet file, optionally through a column mapping. With ``mdtrt_id`` (or
  ``finding_id``, resolved to the visit through the audit's ``suspects.parquet``) it gives *visit* labels;
  with only ``fixmedins_code`` it gives *institution* labels. Only the rows listed are labelled. A key
  with both a confirmed and a dismissed decision is positive (one confirmed finding makes the visit
  fraudulent). Accepted label values: 1/0, true/false, confirmed/dismissed, 确认/驳回, 是/否, 违规/正常 …
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qiandai.claims.model.mapping import TableMapping, map_labels
from qiandai.domain.errors import InputFileError

VISIT = "visit"
INSTITUTION = "institution"
POSITIVE = ("1", "true", "yes", "y", "confirmed", "confirm", "positive", "fraud",
            "确认", "已确认", "属实", "是", "违规", "阳性")  # fmt: skip
NEGATIVE = ("0", "false", "no", "n", "dismissed", "dismiss", "negative", "normal",
            "驳回", "排除", "不属实", "否", "正常", "合规", "阴性")  # fmt: skip


@dataclass(frozen=True)
class Labels:
    """Labels of one level: ``table`` has the key column and ``label`` (int8)."""

    level: str
    table: pa.Table
    source: str
    complete: bool = False  # True: every row of the data not listed is a negative

    @property
    def key(self) -> str:
        return "mdtrt_id" if self.level == VISIT else "fixmedins_code"

    @property
    def positives(self) -> int:
        return int(pc.sum(self.table.column("label")).as_py() or 0)


def truth_labels(path: Path) -> Labels:
    """Visit labels from the generator's ground truth (listed visits positive, all others negative)."""
    try:
        ids = pq.read_table(path, columns=["mdtrt_id"]).column("mdtrt_id")
    except (OSError, pa.ArrowInvalid, KeyError) as err:
        raise InputFileError(str(path), f"无法读取标注文件（{err}）") from err
    unique = pc.unique(ids.combine_chunks())
    table = pa.table({"mdtrt_id": unique, "label": pa.array([1] * len(unique), pa.int8())})
    return Labels(VISIT, table, f"ground truth {path.name}", complete=True)


def _normalise(values: pa.ChunkedArray, path: Path) -> pa.Array:
    text = pc.utf8_lower(pc.utf8_trim_whitespace(values.cast(pa.string())))
    pos = pc.is_in(text, pa.array(POSITIVE))
    neg = pc.is_in(text, pa.array(NEGATIVE))
    bad = pc.invert(pc.or_(pos, neg))
    if pc.any(bad).as_py():
        examples = sorted({str(v) for v in pc.filter(values, bad).to_pylist()})[:5]
        raise InputFileError(str(path), f"无法识别的标注值：{'、'.join(examples)}（应为 确认/驳回、1/0 等）")
    return pc.cast(pos, pa.int8()).combine_chunks()


def file_labels(path: Path, mapping: TableMapping | None = None, suspects: Path | None = None) -> Labels:
    """Labels from a decisions or provider file (see the module docstring)."""
    raw = map_labels(mapping, path)
    names = set(raw.column_names)
    if "label" not in names:
        raise InputFileError(str(path), "标注文件缺少 label 列（可用映射文件指定）")
    label = _normalise(raw.column("label"), path)
    if "mdtrt_id" in names:
        key, level = raw.column("mdtrt_id"), VISIT
    elif "finding_id" in names:
        if suspects is None:
            raise InputFileError(
                str(path), "标注按疑点编号（finding_id）给出，需同时提供审核输出 suspects.parquet"
            )
        findings = pq.read_table(suspects, columns=["finding_id", "mdtrt_id"])
        pos = pc.index_in(raw.column("finding_id"), findings.column("finding_id"))
        if pc.any(pc.is_null(pos)).as_py():
            raise InputFileError(str(path), "部分疑点编号在 suspects.parquet 中不存在")
        key, level = pc.take(findings.column("mdtrt_id"), pos), VISIT
    elif "fixmedins_code" in names:
        key, level = raw.column("fixmedins_code"), INSTITUTION
    else:
        raise InputFileError(str(path), "标注文件需含 mdtrt_id、finding_id 或 fixmedins_code 列")
    name = "mdtrt_id" if level == VISIT else "fixmedins_code"
    table = pa.table({name: pc.cast(key, pa.string()), "label": label})
    grouped = table.group_by(name).aggregate([("label", "max")])
    table = pa.table({name: grouped.column(name), "label": pc.cast(grouped.column("label_max"), pa.int8())})
    return Labels(level, table.sort_by(name), f"labels {path.name}")
