"""Reader for the JSON batch layout (``batch_NN.json``, ``updates_*.json``).

A JSON batch is an array of knowledge points with at least ``kp_id``, ``rule_class``, ``item_name``,
``constraint`` and ``med_codes`` (or ``med_code``). Parameters are read from the constraint text
(`textparams`); a duplicate-charge point's two codes become roles 'A' (main) and 'B' (secondary).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from qiandai.knowledge.records import PointState, kb_error
from qiandai.knowledge.textparams import DUPLICATE_CHARGE, params_from_text

REQUIRED_KEYS = ("kp_id", "rule_class", "item_name", "constraint")


def looks_like_json(data: bytes) -> bool:
    """True when the content starts like a JSON document (after an optional BOM)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return head in (b"[", b"{")


def _codes(record: dict[str, Any]) -> list[str]:
    codes = record.get("med_codes")
    if codes is None:
        single = record.get("med_code")
        codes = [single] if single else []
    return [str(c).strip() for c in codes if c is not None and str(c).strip()]


def _date(value: Any, source: str, index: int) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise kb_error(source, f"第 {index} 条的发布日期 published_at 无法识别：{value!r}") from exc


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _point(record: dict[str, Any], source: str, index: int) -> PointState:
    missing = [k for k in REQUIRED_KEYS if k not in record]
    if "med_codes" not in record and "med_code" not in record:
        missing.append("med_codes")
    if missing:
        raise kb_error(source, f"第 {index} 条知识点缺少字段：{'、'.join(missing)}")
    rule_class = str(record["rule_class"] or "").strip()
    if not rule_class or not str(record["kp_id"] or "").strip():
        raise kb_error(source, f"第 {index} 条知识点的 kp_id 或 rule_class 为空")
    codes = _codes(record)
    is_pair = rule_class == DUPLICATE_CHARGE and len(codes) == 2
    roles = ["A", "B"] if is_pair else ["item"] * len(codes)
    constraint = record.get("constraint")
    params = params_from_text(rule_class, constraint)
    if is_pair:
        names = str(record.get("item_name") or "").split("×")
        if len(names) == 2:
            params.update(name_a=names[0].strip(), name_b=names[1].strip())
    raw_source = record.get("source")
    src: dict[str, Any] = raw_source if isinstance(raw_source, dict) else {}
    supersedes = record.get("supersedes")
    if isinstance(supersedes, list):  # one point supersedes one point; keep the first
        supersedes = supersedes[0] if supersedes else None
    return PointState(
        kp_id=str(record["kp_id"]).strip(),
        rule_class=rule_class,
        gz_code=record.get("gz_code"),
        level1=record.get("level1"),
        level2=record.get("level2"),
        item_name=record.get("item_name"),
        constraint_text=constraint,
        detect_logic=record.get("detect_logic"),
        batch=_int(record.get("batch")),
        batch_tag=record.get("batch_tag"),
        published_at=_date(record.get("published_at"), source, index),
        supersedes=supersedes or None,
        source_file=src.get("attachment_file") or source,
        source_row=_int(src.get("row")),
        params=params,
        origin=dict.fromkeys(params, "text"),
        codes=list(zip(codes, roles, strict=True)),
    )


def read_json_batch(source: str, data: bytes) -> tuple[list[PointState], str | None]:
    """Parse a JSON batch into points and its batch tag (the common ``batch_tag``, if any).

    Raises KnowledgeBaseError naming ``source`` when the JSON is invalid or not a point array.
    """
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise kb_error(source, f"无法读取：不是有效的 UTF-8 JSON（{exc}）") from exc
    if isinstance(payload, dict) and isinstance(payload.get("points"), list):
        payload = payload["points"]
    if not isinstance(payload, list) or not all(isinstance(r, dict) for r in payload):
        expected = "、".join((*REQUIRED_KEYS, "med_codes"))
        raise kb_error(source, f"无法识别的版式：期望知识点对象的 JSON 数组，每条含字段 {expected}")
    points = [_point(record, source, i) for i, record in enumerate(payload, start=1)]
    tags = {p.batch_tag for p in points}
    return points, (tags.pop() if len(tags) == 1 else None)
