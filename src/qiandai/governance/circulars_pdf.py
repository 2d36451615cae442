"""A circular as PDF (WeasyPrint): HTML rendered here, charts as inline SVG drawn on the server.

WeasyPrint runs no JavaScript, so ECharts cannot draw here; :func:`bar_svg` draws a horizontal bar
chart (labels, bars, values) in plain SVG. Fonts: the Noto CJK family (``fonts-noto-cjk``) first, then
common Chinese fonts; without any CJK font the PDF is still produced (glyphs may be missing).
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from jinja2 import Environment

from qiandai.governance.circulars import Chart, Circular

FONTS = "'Noto Sans CJK SC', 'Noto Serif CJK SC', 'WenQuanYi Zen Hei', 'SimSun', sans-serif"
BAR = "#1f5fa8"


def bar_svg(chart: Chart, width: int = 640) -> str:
    """A horizontal bar chart: one row per label, the value printed after its bar."""
    if not chart.labels:
        return f'<p class="muted">{escape(chart.title)}：本期无数据</p>'
    row_h, top, label_w, value_w = 22, 28, 150, 70
    height = top + row_h * len(chart.labels) + 8
    peak = max(chart.values) or 1.0
    span = width - label_w - value_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}"'
        f' font-family="{escape(FONTS)}" font-size="11">',
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(chart.title)}</text>',
    ]
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        y = top + i * row_h
        w = max(0.0, value / peak * span)
        shown = f"{value:.1f}%" if chart.unit == "%" else f"{value:,.0f}{chart.unit}"
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(label[:14])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 7}" fill="{BAR}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _cell(value: Any, money: bool) -> str:
    if isinstance(value, Decimal) and money:
        return f"{value:,.2f}"
    return str(value)


_TEMPLATE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ c.title }}</title>
<style>
@page { size: A4 landscape; margin: 14mm 12mm;
  @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 9pt; } }
body { font-family: {{ fonts|safe }}; font-size: 10pt; color: #111; }
h1 { text-align: center; font-size: 18pt; margin: 0 0 4mm; }
.meta { text-align: center; color: #444; margin-bottom: 6mm; }
h2 { font-size: 12pt; border-left: 4px solid #1f5fa8; padding-left: 6px; margin: 6mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2mm; page-break-inside: auto; }
th, td { border: 1px solid #888; padding: 2px 4px; }
th { background: #dce6f1; } td.num { text-align: right; }
tr { page-break-inside: avoid; }
.note, .muted { color: #555; font-size: 9pt; }
.charts svg { margin: 2mm 0; }
</style></head><body>
<h1>{{ c.title }}</h1>
<div class="meta">统计周期：{{ c.period.label }}　通报层级：{{ c.level_label }}</div>
<h2>一、总体情况</h2>{% for line in c.summary %}<p>{{ line }}</p>{% endfor %}
<div class="charts">{% for svg in charts %}{{ svg|safe }}{% endfor %}</div>
{% for s in c.sections %}<h2>{{ "二三四五六七八九十"[loop.index0] }}、{{ s.title }}</h2>
<table><thead><tr>{% for h in s.headers %}<th>{{ h }}</th>{% endfor %}</tr></thead><tbody>
{% for row in s.rows %}<tr>{% for v in row %}<td{% if v is number %} class="num"{% endif %}>
{{- cell(v, loop.index0 in s.money) }}</td>{% endfor %}</tr>
{% else %}<tr><td colspan="{{ s.headers|length }}">本期无数据</td></tr>{% endfor %}
</tbody></table>{% if s.note %}<p class="note">{{ s.note }}</p>{% endif %}{% endfor %}
</body></html>"""


def html(circular: Circular) -> str:
    env = Environment(autoescape=True)
    template = env.from_string(_TEMPLATE)
    return template.render(
        c=circular, charts=[bar_svg(ch) for ch in circular.charts], fonts=FONTS, cell=_cell
    )


def pdf_bytes(circular: Circular) -> bytes:
    from weasyprint import HTML  # heavy import, only when a PDF is made

    return bytes(HTML(string=html(circular)).write_pdf())
