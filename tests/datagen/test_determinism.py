"""Same seed, same bytes; another seed, other data."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qiandai.datagen.claims import GenerationReport, generate_claims
from qiandai.knowledge import KnowledgeBase

SMALL, SEED = 3000, 5  # as in conftest.py

FILES = ("MDTRT_D", "SETL_D", "FEE_LIST_D", "SETL_LIST_DIAG_D", "SETL_LIST_OPRN_D", "ground_truth")
FILES += ("DRUG_PURCHASE_D", "DRUG_SALE_D", "DRUG_STOCK_D", "DRUG_TRANSFER_D", "CHECKIN_D")  # side inputs


def _digests(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


def test_same_seed_gives_identical_files(
    kb: KnowledgeBase, small: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    first, _ = small
    generate_claims(tmp_path, visits=SMALL, seed=SEED, kb=kb)
    assert _digests(tmp_path) == _digests(first)
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(f"{name}.parquet" for name in FILES)


def test_another_seed_gives_other_data(
    kb: KnowledgeBase, small: tuple[Path, GenerationReport], tmp_path: Path
) -> None:
    first, _ = small
    generate_claims(tmp_path, visits=SMALL, seed=SEED + 1, kb=kb)
    a, b = _digests(first), _digests(tmp_path)
    assert a["FEE_LIST_D.parquet"] != b["FEE_LIST_D.parquet"]
    assert a["MDTRT_D.parquet"] != b["MDTRT_D.parquet"]


def test_rejects_bad_arguments(kb: KnowledgeBase, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_claims(tmp_path, visits=0, seed=1, kb=kb)
    with pytest.raises(ValueError):
        generate_claims(tmp_path, visits=100, seed=1, kb=kb, fmt="xlsx")  # type: ignore[arg-type]
