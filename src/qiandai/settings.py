"""Where Qiandai keeps its working files (knowledge base, rule-set versions).

``QIANDAI_HOME`` (default ``~/.qiandai``) holds ``kb.duckdb`` and ``rulesets/``. Tests and the demo
point it at a folder of their own. The value comes from the one settings object
(:func:`qiandai.config.get_settings`), which validates every ``QIANDAI_*`` variable.
"""

from __future__ import annotations

from pathlib import Path

from qiandai.config import get_settings


def home() -> Path:
    """The working folder, created on first use."""
    path = get_settings().home
    path.mkdir(parents=True, exist_ok=True)
    return path


def knowledge_base_path() -> Path:
    return home() / "kb.duckdb"


def rulesets_path() -> Path:
    return home() / "rulesets"
