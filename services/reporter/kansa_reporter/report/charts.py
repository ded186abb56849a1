"""Bar charts as inline SVG: drawn from the report's own numbers, the same bytes for the same data, and rendered
alike by a browser and by WeasyPrint (no image files, no plotting library)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

BAR = "#3a6ea5"
AXIS = "#444"


def bar_chart(bars: Sequence[tuple[str, int]], *, title: str, empty: str, width: int = 640,
              height: int = 200, label_every: int = 1) -> str:
    """Vertical bars with the largest value on the axis; `label_every` thins crowded x labels."""
    if not bars or max(v for _, v in bars) == 0:
        return f'<p class="chart-empty">{escape(title)}: {escape(empty)}</p>'
    top = max(v for _, v in bars)
    left, bottom, right, head = 48, 28, 8, 22
    plot_w, plot_h = width - left - right, height - bottom - head
    step = plot_w / len(bars)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="14" font-size="12" fill="{AXIS}">{escape(title)}</text>',
        f'<line x1="{left}" y1="{head}" x2="{left}" y2="{head + plot_h}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{head + plot_h}" x2="{width - right}" y2="{head + plot_h}" stroke="{AXIS}"/>',
        f'<text x="{left - 4}" y="{head + 4}" font-size="10" text-anchor="end" fill="{AXIS}">{top:,}</text>',
        f'<text x="{left - 4}" y="{head + plot_h}" font-size="10" text-anchor="end" fill="{AXIS}">0</text>',
    ]
    for i, (label, value) in enumerate(bars):
        bar_h = plot_h * value / top
        x = left + i * step + step * 0.15
        parts.append(f'<rect x="{x:.1f}" y="{head + plot_h - bar_h:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{bar_h:.1f}" fill="{BAR}"><title>{escape(label)}: {value:,}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{head + plot_h + 14}" font-size="10" '
                         f'text-anchor="middle" fill="{AXIS}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
