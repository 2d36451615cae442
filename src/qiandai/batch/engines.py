"""The batch engines' names and the one check of a user's ``--engine`` choice (no engine imported)."""

from __future__ import annotations

from typing import Literal, cast

from qiandai.domain.errors import QiandaiError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[Engine, ...] = ("duckdb", "spark")


class EngineChoiceError(QiandaiError):
    """An engine name that is not one of :data:`ENGINES`."""


def check_engine(engine: str) -> Engine:
    """Return ``engine`` as an :data:`Engine`, or raise a Chinese error naming the choices."""
    name = (engine or "").strip().lower()
    if name not in ENGINES:
        raise EngineChoiceError(f"未知的计算引擎「{engine}」：可选 {' / '.join(ENGINES)}")
    return cast(Engine, name)
