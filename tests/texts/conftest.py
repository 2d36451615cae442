"""Fixtures of the text-screening tests: a private working folder per test, one screener per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qiandai.texts.links import LinkChecker
from qiandai.texts.methods import MethodBook, load_book
from qiandai.texts.screening import TextScreener
from qiandai.texts.training import seed_corpus, train


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh QIANDAI_HOME for tests that write (lists, merchants, cases, models, edited books)."""
    monkeypatch.setenv("QIANDAI_HOME", str(tmp_path))
    yield tmp_path


@pytest.fixture(scope="session")
def book() -> MethodBook:
    return load_book(None)


@pytest.fixture(scope="session")
def screener(book: MethodBook) -> TextScreener:
    """Shipped knowledge base + the seed model + no user lists."""
    return TextScreener(book, train(seed_corpus(book)), LinkChecker())
