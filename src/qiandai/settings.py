"""Where Qiandai keeps its working files (knowledge base, rule-set versions).

``QIANDAI_HOME`` (default ``~/.qiandai``) holds ``kb.duckdb`` and ``rulesets/``. Tests and the demo
point it at a folder of their own.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The working folder, created on first use."""
    path = Path(os.environ.get("QIANDAI_HOME", Path.home() / ".qiandai")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def knowledge_base_path() -> Path:
    return home() / "kb.duckdb"


def rulesets_path() -> Path:
    return home() / "rulesets"
