"""The versioned knowledge base (两库 知识库) stored in one DuckDB file.

`KnowledgeBase.open()` opens ``$QIANDAI_HOME/kb.duckdb`` (``~/.qiandai`` by default) or the given
path; an empty file builds itself from the shipped package data: the JSON batches in order, the
updates file, then the official xlsx that add the structured parameters. `load_file` merges one more
file (JSON batch layout or official xlsx layout, recognised by content) and reports what changed; a
file whose sha256 was loaded before changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa

from qiandai.config import get_settings
from qiandai.knowledge import catalog as _catalog
from qiandai.knowledge import rule_tables, store
from qiandai.knowledge.json_layout import looks_like_json, read_json_batch
from qiandai.knowledge.models import FrameworkRule, KnowledgePoint, LoadRecord, LoadReport, RuleClass
from qiandai.knowledge.records import kb_error
from qiandai.knowledge.resources import shipped_json_batches, shipped_official_xlsx
from qiandai.knowledge.rule_tables import UnparsedPoint
from qiandai.knowledge.versioning import MergeResult, State, merge_json, merge_xlsx
from qiandai.knowledge.xlsx_layout import read_official_xlsx

LAYOUT_JSON = "json"
LAYOUT_XLSX = "official_xlsx"

_POINT_VIEW = """
    SELECT kp_id, rule_class, gz_code, level1, level2, item_name, constraint_text, detect_logic,
           batch, batch_tag, published_at, supersedes, superseded_by, load_id,
           CAST(params AS VARCHAR) AS params, source_file, source_row,
           (SELECT list(c.med_code ORDER BY c.seq) FROM point_codes c WHERE c.kp_id = p.kp_id) AS codes,
           superseded_by IS NULL AS active
    FROM points p
"""


def default_path() -> Path:
    """``$QIANDAI_HOME/kb.duckdb``, with QIANDAI_HOME defaulting to ``~/.qiandai``."""
    return get_settings().home / "kb.duckdb"


class KnowledgeBase:
    """A knowledge base on one DuckDB connection. Use `open`; close it (or use ``with``) when done."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self._con = con
        self.path = path

    # --- lifecycle ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None) -> KnowledgeBase:
        """Open (creating if needed) the knowledge base at ``path``; build an empty one from package data."""
        target = Path(path) if path is not None else default_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(target))
        except duckdb.Error as exc:
            raise kb_error(str(target), f"无法打开知识库数据库（{exc}）") from exc
        kb = cls(con, target)
        store.ensure_schema(con)
        if kb._count("loads") == 0:
            kb._build_default()
        return kb

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _count(self, table: str) -> int:
        rows = self._con.execute(f"SELECT COUNT(*) FROM {table}").fetchall()
        return int(rows[0][0])

    def _build_default(self) -> None:
        """Load every shipped file in order, in one transaction, writing the points once at the end."""
        state: State = {}
        self._con.execute("BEGIN TRANSACTION")
        try:
            for resource in [*shipped_json_batches(), *shipped_official_xlsx()]:
                self._load_bytes(resource.name, resource.read_bytes(), state)
            store.write_state(self._con, state)
            store.replace_table(self._con, "diagnosis_rules", _catalog.diagnosis_rules())
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise

    # --- loading -----------------------------------------------------------------------------------

    def load_file(self, path: Path | str) -> LoadReport:
        """Merge one file (JSON batch or official xlsx) and report added/changed/superseded/unchanged.

        Raises KnowledgeBaseError naming the file when it cannot be read or its layout is unknown.
        """
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise kb_error(file.name, f"无法读取（{exc.strerror or exc}）") from exc
        return self._load_bytes(file.name, data)

    def _load_bytes(self, name: str, data: bytes, shared: State | None = None) -> LoadReport:
        """Merge ``data``; with ``shared`` the caller holds the state and the transaction (build)."""
        if not data.strip():
            raise kb_error(name, "文件为空")
        sha256 = hashlib.sha256(data).hexdigest()
        seen_rows = self._con.execute(
            "SELECT load_id, source_file, layout, batch_tag FROM loads WHERE sha256 = ? ORDER BY load_id",
            [sha256],
        ).fetchall()
        if seen_rows:
            seen = seen_rows[0]
            return LoadReport(
                source_file=name,
                sha256=sha256,
                layout=seen[2],
                batch_tag=seen[3],
                load_id=int(seen[0]),
                already_loaded=True,
                message=f"文件 {name} 与已加载的 {seen[1]}（load_id={seen[0]}）内容相同，未做任何更改",
            )
        state = shared if shared is not None else store.read_state(self._con)
        load_id = store.next_load_id(self._con)
        result: MergeResult
        if name.lower().endswith(".json") or looks_like_json(data):
            points, batch_tag = read_json_batch(name, data)
            layout = LAYOUT_JSON
            result = merge_json(state, points, load_id)
        elif name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
            content = read_official_xlsx(name, data)
            layout, batch_tag = LAYOUT_XLSX, content.batch_tag
            result = merge_xlsx(state, content, name, load_id, _catalog.class_info)
        else:
            raise kb_error(name, "无法识别的文件类型：应为 JSON 批次文件（.json）或官方 xlsx 文件（.xlsx）")
        counts = (len(result.added), len(result.changed), len(result.superseded), len(result.unchanged))
        if shared is not None:
            store.write_history(self._con, result.history, load_id)
            store.record_load(self._con, load_id, name, sha256, layout, batch_tag, counts, datetime.now(UTC))
        else:
            self._con.execute("BEGIN TRANSACTION")
            try:
                store.write_history(self._con, result.history, load_id)
                store.write_state(self._con, state)
                store.record_load(
                    self._con, load_id, name, sha256, layout, batch_tag, counts, datetime.now(UTC)
                )
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return LoadReport(
            source_file=name,
            sha256=sha256,
            layout=layout,
            batch_tag=batch_tag,
            load_id=load_id,
            already_loaded=False,
            added_ids=tuple(result.added),
            changed_ids=tuple(result.changed),
            superseded_ids=tuple(result.superseded),
            unchanged_ids=tuple(result.unchanged),
            unresolved_supersedes=tuple(result.unresolved_supersedes),
            message=f"文件 {name}：新增 {counts[0]}，变更 {counts[1]}，被替代 {counts[2]}，未变 {counts[3]}",
        )

    # --- queries -----------------------------------------------------------------------------------

    def history(self) -> list[LoadRecord]:
        """Every load that changed the knowledge base, oldest first."""
        rows = self._con.execute(
            "SELECT load_id, source_file, sha256, layout, batch_tag, epoch_us(loaded_at), added, changed, "
            "superseded, unchanged FROM loads ORDER BY load_id"
        ).fetchall()
        names = [f.name for f in fields(LoadRecord)]
        records = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            values["loaded_at"] = datetime.fromtimestamp(row[5] / 1e6, UTC)
            records.append(LoadRecord(**values))
        return records

    def active_points(self, rule_class: str | None = None) -> pa.Table:
        """Points not superseded (optionally of one rule class), with ``params`` as a JSON string."""
        sql = _POINT_VIEW + " WHERE superseded_by IS NULL"
        args: list[object] = []
        if rule_class is not None:
            sql += " AND rule_class = ?"
            args.append(rule_class)
        return self._con.sql(sql + " ORDER BY kp_id", params=args).to_arrow_table()

    def point(self, kp_id: str) -> KnowledgePoint | None:
        """One point (active or superseded) with its codes and parameters; None when unknown."""
        rows = self._con.execute(
            "SELECT kp_id, rule_class, gz_code, level1, level2, item_name, constraint_text, detect_logic, "
            "batch, batch_tag, published_at, supersedes, superseded_by, load_id, source_file, source_row, "
            "CAST(params AS VARCHAR) FROM points WHERE kp_id = ?",
            [kp_id],
        ).fetchall()
        if not rows:
            return None
        row = rows[0]
        codes = self._con.execute(
            "SELECT med_code, role FROM point_codes WHERE kp_id = ? ORDER BY seq", [kp_id]
        ).fetchall()
        names = [f.name for f in fields(KnowledgePoint)][:16]
        values = dict(zip(names, row[:16], strict=True))
        return KnowledgePoint(**values, params=json.loads(row[16] or "{}"), codes=tuple(codes))

    def search(self, text_or_code: str) -> pa.Table:
        """Points whose item name contains the text, or that carry exactly this national code."""
        needle = text_or_code.strip()
        return self._con.sql(
            _POINT_VIEW
            + " WHERE contains(item_name, ?) OR kp_id IN (SELECT kp_id FROM point_codes WHERE med_code = ?)"
            " ORDER BY active DESC, kp_id",
            params=[needle, needle],
        ).to_arrow_table()

    def rule_table(self, name: str) -> pa.Table:
        """A typed parameter table (one row per national code of an active point); see `rule_tables`."""
        return rule_tables.rule_table(self._con, name)

    def unparsed(self, rule_table_name: str) -> list[UnparsedPoint]:
        """Active points left out of a typed table because a parameter could not be determined."""
        return rule_tables.unparsed(self._con, rule_table_name)

    def diagnosis_rules(self) -> pa.Table:
        """The ICD-10 sex/age table as stored in this knowledge base."""
        return (
            self._con.sql("SELECT * FROM diagnosis_rules")
            .to_arrow_table()
            .cast(_catalog.DIAGNOSIS_RULES_SCHEMA)
        )

    @staticmethod
    def catalog() -> list[RuleClass]:
        """The 88 rule classes of the 2025 catalog."""
        return list(_catalog.catalog())

    @staticmethod
    def framework() -> list[FrameworkRule]:
        """The 79 rules of the 1.0 framework."""
        return list(_catalog.framework())

    def sql(self, query: str) -> pa.Table:
        """Run a read-only query against the knowledge-base tables (for reports and tests)."""
        return self._con.sql(query).to_arrow_table()
