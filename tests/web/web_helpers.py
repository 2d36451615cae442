"""Helpers shared by the browser tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).parent / "artifacts"


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot artefact ``tests/web/artifacts/<name>.png`` (looked at by a person)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_charts(page: Any, count: int) -> None:
    """Wait until ``count`` ECharts canvases are drawn."""
    page.wait_for_function(
        "n => document.querySelectorAll('.chart.ready canvas').length >= n", arg=count, timeout=20000
    )
