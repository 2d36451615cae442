"""Size scales with ``visits``; CSV output carries the same tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv

from qiandai.datagen.claims import GenerationReport, generate_claims
from qiandai.knowledge import KnowledgeBase

SMALL, SEED = 3000, 5  # as in conftest.py


def test_size_scales_with_visits(
    kb: KnowledgeBase, small: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    _, report = small
    big = generate_claims(tmp_path, visits=3 * SMALL, seed=SEED, kb=kb)
    assert 2.6 * SMALL <= big.visits <= 3.05 * SMALL
    ratio = big.tables["FEE_LIST_D"] / report.tables["FEE_LIST_D"]
    assert 1.8 <= ratio <= 3.6  # below 3: at small sizes the fixed 25 cases per rule weigh more
    assert min(big.injected.values()) >= 25


def test_csv_format(kb: KnowledgeBase, tmp_path: Path) -> None:
    report = generate_claims(tmp_path, visits=500, seed=3, kb=kb, fmt="csv")
    fee = pacsv.read_csv(tmp_path / "FEE_LIST_D.csv")
    assert fee.num_rows == report.tables["FEE_LIST_D"]
    assert "fee_ocur_time" in fee.column_names
    assert (tmp_path / "ground_truth.parquet").exists()


def test_progress_is_reported(kb: KnowledgeBase, tmp_path: Path) -> None:
    seen: list[tuple[str, float]] = []
    generate_claims(tmp_path, visits=300, seed=4, kb=kb, on_progress=lambda stage, f: seen.append((stage, f)))
    assert seen[-1] == ("done", 1.0)
    assert [f for _, f in seen] == sorted(f for _, f in seen)
