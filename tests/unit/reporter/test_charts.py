"""Inline SVG bar charts: one bar per value, scaled to the largest, labels escaped, an empty chart says so."""

from __future__ import annotations

import re

from kansa_reporter.report.charts import bar_chart
from kansa_reporter.report.render import render_monthly
from tests.unit.reporter.test_render import DR32, _data, _row


def _heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]


def test_bars_scale_to_the_largest_value() -> None:
    svg = bar_chart([("a", 10), ("b", 5), ("c", 0)], title="t", empty="none", height=200)
    heights = _heights(svg)
    assert len(heights) == 3
    assert heights[0] == 2 * heights[1] and heights[2] == 0
    assert ">10<" in svg  # the axis shows the top value


def test_labels_are_escaped_and_empty_data_says_so() -> None:
    assert "&lt;b&gt;" in bar_chart([("<b>", 1)], title="t", empty="none")
    empty = bar_chart([("a", 0)], title="日別", empty="該当なし（0 件）")
    assert empty == '<p class="chart-empty">日別: 該当なし（0 件）</p>'


def test_report_draws_exports_per_day_and_alerts_by_severity() -> None:
    rows = (_row("ev-a"), _row("ev-b"), _row("ev-c"))  # all on 3 April
    html = render_monthly(_data(rows=rows, groups=(DR32,)))
    section = html.split('<section id="s03-charts">', 1)[1].split("</section>", 1)[0]
    exports = section.split('aria-label="日別書き出し件数"', 1)[1].split("</svg>", 1)[0]
    assert [h for h in _heights(exports) if h > 0] and len(_heights(exports)) == 30  # every day of April
    assert "<title>3: 3</title>" in exports
    severity = section.split('aria-label="重要度別アラート件数"', 1)[1].split("</svg>", 1)[0]
    assert "<title>重大: 2</title>" in severity
    assert "日別イベント件数: 該当なし（0 件）" in section  # no activity data in this month
