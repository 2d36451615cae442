"""ECharts option objects built on the server from statistics; the page's script only draws them.

Animation is off: intranet PCs are often slow, and a chart must be complete when it first shows.

Amounts are sent as numbers of yuan rounded to cents (display only; exact figures stay in tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiandai.web.stats import Group

PALETTE = ["#1f5fa8", "#d9822b", "#2e8b57", "#b33a3a", "#7a52a3", "#3a9ab3", "#8a8a2e"]


def _base(title: str) -> dict[str, Any]:
    return {
        "animation": False,
        "color": PALETTE,
        "title": {"text": title, "left": "left", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 48, "top": 64, "bottom": 8, "containLabel": True},
    }


def ranked_bars(title: str, groups: Sequence[Group]) -> dict[str, Any]:
    """Horizontal bars of amount at stake (元) with the point count in the tooltip, largest on top."""
    rows = list(reversed(groups))
    option = _base(title)
    option.update(
        legend={"top": 22, "right": 0, "data": ["涉及金额（元）", "疑点数"]},
        xAxis=[{"type": "value", "name": "元"}, {"type": "value", "name": "个", "show": False}],
        yAxis={"type": "category", "data": [_short(g.label) for g in rows]},
        series=[
            {
                "name": "涉及金额（元）",
                "type": "bar",
                "data": [float(g.amount) for g in rows],
                "xAxisIndex": 0,
            },
            {"name": "疑点数", "type": "bar", "data": [g.count for g in rows], "xAxisIndex": 1},
        ],
    )
    return option


def trend(title: str, groups: Sequence[Group]) -> dict[str, Any]:
    option = _base(title)
    option.update(
        legend={"top": 22, "right": 0, "data": ["疑点数", "涉及金额（元）"]},
        xAxis={"type": "category", "data": [g.label for g in groups]},
        yAxis=[{"type": "value", "name": "个"}, {"type": "value", "name": "元"}],
        series=[
            {"name": "疑点数", "type": "bar", "data": [g.count for g in groups]},
            {
                "name": "涉及金额（元）",
                "type": "line",
                "yAxisIndex": 1,
                "smooth": True,
                "data": [float(g.amount) for g in groups],
            },
        ],
    )
    return option


def pie(title: str, groups: Sequence[Group]) -> dict[str, Any]:
    return {
        "animation": False,
        "color": PALETTE,
        "title": {"text": title, "left": "left", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item", "formatter": "{b}：{c} 个（{d}%）"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "62%"],
                "center": ["50%", "52%"],
                "data": [{"name": g.label, "value": g.count} for g in groups],
                "label": {"formatter": "{b}\n{c}"},
                "minShowLabelAngle": 6,
            }
        ],
    }


def series_line(title: str, labels: list[str], series: dict[str, list[float]]) -> dict[str, Any]:
    option = _base(title)
    option.update(
        legend={"top": 22, "right": 0, "data": list(series)},
        xAxis={"type": "category", "data": labels},
        yAxis={"type": "value"},
        series=[{"name": n, "type": "line", "smooth": True, "data": d} for n, d in series.items()],
    )
    return option


def _short(text: str, width: int = 14) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
