"""Fixtures for the knowledge-base tests: the default knowledge base is built once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qiandai.knowledge import KnowledgeBase


@pytest.fixture(scope="session")
def built_kb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default knowledge base built from the shipped package data, closed and checkpointed."""
    path = tmp_path_factory.mktemp("kb") / "kb.duckdb"
    kb = KnowledgeBase.open(path)
    kb.close()
    return path


@pytest.fixture(scope="session")
def kb(built_kb_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The default knowledge base, shared read-only by the tests of one session."""
    path = tmp_path_factory.mktemp("kb_shared") / "kb.duckdb"
    shutil.copyfile(built_kb_file, path)
    with KnowledgeBase.open(path) as opened:
        yield opened


@pytest.fixture
def fresh_kb(built_kb_file: Path, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A private copy of the default knowledge base for a test that loads files into it."""
    path = tmp_path / "kb.duckdb"
    shutil.copyfile(built_kb_file, path)
    with KnowledgeBase.open(path) as opened:
        yield opened
