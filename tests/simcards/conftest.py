"""Fixtures of the SIM-card screening tests: one small generated CDR set and a model trained on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qiandai.datagen.cdr import generate_cdr
from qiandai.simcards import model as sim_model


@pytest.fixture(scope="session")
def cdr_small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdr") / "small"
    generate_cdr(out, numbers=3000, days=28, seed=11)
    return out


@pytest.fixture(scope="session")
def trained(cdr_small: Path, tmp_path_factory: pytest.TempPathFactory) -> sim_model.TrainResult:
    return sim_model.train(cdr_small, out=tmp_path_factory.mktemp("sim-model"))
