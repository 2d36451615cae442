"""Assemble the model's rows from a data folder: visit rows or institution × month rows.

Contract: :func:`build_dataset` ingests ``input_dir`` (after applying a column mapping when given) into a
private DuckDB connection and returns a :class:`Dataset`:

- level ``visit``: one row per visit, the features of :mod:`.features` (plus finding features when an
  audit's ``suspects.parquet`` is given); the split groups are persons (``psn_no``);
- level ``institution``: one row per institution × natural month, the institution indicators of
  :mod:`qiandai.claims.indicators` (values and robust z against peers) plus finding counts/amounts of that
  institution and month; the split groups are institutions.

``data_hash`` is a SHA-256 over the folder's file names and contents (and the mapping file), so a
manifest can tell whether it is being evaluated on the data it was trained on.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qiandai.claims.indicators import IndicatorParams, compute_indicators
from qiandai.claims.indicators.catalog import INSTITUTION as IND_INSTITUTION
from qiandai.claims.indicators.catalog import for_level
from qiandai.claims.indicators.run import connect
from qiandai.claims.ingest import ingest_claims
from qiandai.claims.model.features import VISIT_FEATURES, FeatureSpec, finding_features, visit_features
from qiandai.claims.model.labels import INSTITUTION, VISIT, Labels
from qiandai.claims.model.mapping import ColumnMapping, apply_mapping


@dataclass
class Dataset:
    """Model rows: ``keys`` (ids shown in outputs) and ``features`` (float64 columns named by spec id)."""

    level: str
    keys: pa.Table
    features: pa.Table
    specs: list[FeatureSpec]
    data_hash: str

    @property
    def groups(self) -> np.ndarray:
        column = "psn_no" if self.level == VISIT else "fixmedins_code"
        return np.asarray(self.keys.column(column).to_numpy(zero_copy_only=False), dtype=object)

    def matrix(self, ids: list[str]) -> np.ndarray:
        """Feature matrix in the order ``ids``; a finding feature absent here is 0, any other NaN."""
        cols = []
        for fid in ids:
            if fid in self.features.column_names:
                col = self.features.column(fid).to_numpy(zero_copy_only=False).astype(np.float64)
            else:
                fill = 0.0 if fid.startswith(("rule:", "findings")) else np.nan
                col = np.full(self.features.num_rows, fill)
            cols.append(np.nan_to_num(col, nan=np.nan, posinf=np.nan, neginf=np.nan))
        return np.column_stack(cols) if cols else np.zeros((self.features.num_rows, 0))

    def label_vector(self, labels: Labels) -> np.ndarray:
        """Per row: 1.0 / 0.0 where labelled, NaN where not (institution labels apply to all its months)."""
        key = labels.key
        pos = pc.index_in(self.keys.column(key), labels.table.column(key))
        values = pc.take(pc.cast(labels.table.column("label"), pa.float64()), pos)
        y = values.to_numpy(zero_copy_only=False).astype(np.float64)
        if labels.complete:
            y = np.where(np.isnan(y), 0.0, y)
        return y


def folder_hash(folder: Path, mapping: ColumnMapping | None = None) -> str:
    """SHA-256 over the sorted file names and contents of ``folder`` (and the mapping file)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        with path.open("rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    if mapping is not None:
        digest.update(mapping.path.read_bytes())
    return digest.hexdigest()


def build_dataset(
    input_dir: Path,
    work_dir: Path,
    level: str,
    *,
    suspects: Path | None = None,
    mapping: ColumnMapping | None = None,
    threads: int | None = None,
) -> Dataset:
    """Build the :class:`Dataset` of ``level`` for ``input_dir`` (see the module docstring)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    data_hash = folder_hash(input_dir, mapping)
    folder = apply_mapping(mapping, input_dir, work_dir / "mapped") if mapping else input_dir
    con = connect(work_dir, threads=threads, memory_limit="4GB")
    try:
        ingest_claims(folder, con, quarantine_dir=work_dir / "quarantine")
        backend = ibis.duckdb.from_connection(con)
        if level == VISIT:
            return _visit_dataset(backend, suspects, data_hash)
        if level == INSTITUTION:
            return _institution_dataset(backend, suspects, data_hash)
        raise ValueError(f"unknown level {level!r}")
    finally:
        con.close()
        shutil.rmtree(work_dir / ".tmp", ignore_errors=True)


def _visit_dataset(backend: ibis.BaseBackend, suspects: Path | None, data_hash: str) -> Dataset:
    table = visit_features(backend)
    keys = table.select(["mdtrt_id", "psn_no", "fixmedins_code", "fixmedins_name", "period"])
    specs = list(VISIT_FEATURES)
    features = table.select([s.id for s in specs])
    if suspects is not None:
        found, extra = finding_features(suspects)
        pos = pc.index_in(keys.column("mdtrt_id"), found.column("mdtrt_id"))
        for spec in extra:
            col = pc.fill_null(pc.take(found.column(spec.id), pos), 0.0)
            features = features.append_column(spec.id, col)
        specs += extra
    return Dataset(VISIT, keys, features, specs, data_hash)


def _institution_dataset(backend: ibis.BaseBackend, suspects: Path | None, data_hash: str) -> Dataset:
    result = compute_indicators(backend, IndicatorParams(period="month"))
    wide = result.institution_wide.to_pandas()
    ids = [i.id for i in for_level(IND_INSTITUTION)]
    z = result.level_rows(result.scores, IND_INSTITUTION).to_pandas()
    zw = z.pivot_table(
        index=["fixmedins_code", "period_idx"], columns="indicator", values="robust_z", aggfunc="first"
    )
    zw = zw.reindex(columns=ids).add_prefix("z:").reset_index()
    frame = wide.merge(zw, on=["fixmedins_code", "period_idx"], how="left")
    specs = [FeatureSpec(i.id, i.name) for i in for_level(IND_INSTITUTION)]
    specs += [FeatureSpec(f"z:{i.id}", f"{i.name}（稳健Z）") for i in for_level(IND_INSTITUTION)]
    specs += [FeatureSpec("visits", "就诊人次"), FeatureSpec("fee", "医疗费用")]
    if suspects is not None:
        frame, extra = _institution_findings(backend, frame, suspects)
        specs += extra
    frame = frame.sort_values(["fixmedins_code", "period_idx"]).reset_index(drop=True)
    keys = pa.Table.from_pandas(frame[["fixmedins_code", "fixmedins_name", "period"]], preserve_index=False)
    features = pa.table({s.id: pa.array(frame[s.id].astype("float64"), pa.float64()) for s in specs})
    return Dataset(INSTITUTION, keys, features, specs, data_hash)


def _institution_findings(
    backend: ibis.BaseBackend, frame: pd.DataFrame, suspects: Path
) -> tuple[pd.DataFrame, list[FeatureSpec]]:
    found, specs = finding_features(suspects)
    visits = backend.table("ind_visit_base").select("mdtrt_id", "fixmedins_code", "period_idx").to_pandas()
    per_visit = visits.merge(found.to_pandas(), on="mdtrt_id", how="inner")
    cols = [s.id for s in specs]
    agg = per_visit.groupby(["fixmedins_code", "period_idx"], as_index=False)[cols].sum()
    frame = frame.merge(agg, on=["fixmedins_code", "period_idx"], how="left")
    frame[cols] = frame[cols].fillna(0.0)
    return frame, specs
