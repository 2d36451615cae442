"""Suite-wide fixtures: an isolated QIANDAI_HOME and one knowledge base per test session (per worker)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def qiandai_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point QIANDAI_HOME at a fresh folder so no test touches the developer's working files."""
    home = tmp_path_factory.mktemp("qiandai-home")
    old = os.environ.get("QIANDAI_HOME")
    os.environ["QIANDAI_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("QIANDAI_HOME", None)
    else:
        os.environ["QIANDAI_HOME"] = old
