"""Fixtures of the generator tests: one knowledge base and one small generated folder per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from qiandai.datagen.claims import GenerationReport, generate_claims
from qiandai.knowledge import KnowledgeBase

SMALL = 3000
SEED = 5


@pytest.fixture(scope="session")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    return KnowledgeBase.open(tmp_path_factory.mktemp("datagen-kb") / "kb.duckdb")


@pytest.fixture(scope="session")
def small(kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationReport]:
    out = tmp_path_factory.mktemp("claims-small")
    return out, generate_claims(out, visits=SMALL, seed=SEED, kb=kb)
