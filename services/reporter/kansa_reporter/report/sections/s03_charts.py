"""Charts: daily event volume, alerts by severity, staff with the most My Number searches, exports per day."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.report.charts import bar_chart
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import Severity
from kansa_schemas.indices import JST

ASSESSMENT_ITEMS = ("requirements §4.2-2", "requirements §4.2-6", "requirements §4.2-7", "requirements §4.2-13")


@dataclass(frozen=True)
class _Words:
    events: str
    alerts: str
    searchers: str
    exports: str
    empty: str
    severity: dict[str, str]


_WORDS = {
    "ja": _Words("日別イベント件数", "重要度別アラート件数", "個人番号検索の多い職員（上位10名）", "日別書き出し件数",
                 "該当なし（0 件）", {"critical": "重大", "high": "高", "medium": "中", "low": "低"}),
    "en": _Words("Events per day", "Alerts by severity", "Staff with the most My Number searches (top 10)",
                 "Exports per day", "none (0)",
                 {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}),
}


class Charts(SectionView):
    """Inline SVG, one per chart, drawn from this report's own data so it shows what the tables count."""

    events_per_day: str
    alerts_by_severity: str
    top_searchers: str
    exports_per_day: str


def build(data: MonthlyData, lang: Literal["ja", "en"]) -> Charts:
    words = _WORDS[lang]
    per_day = {d.day: d.count for d in data.activity.events_per_day}
    by_severity = Counter[str]()
    for group in data.alerts.groups:
        by_severity[group.severity.value] += group.alerts
    exports = Counter(r.executed_at.astimezone(JST).date() for r in data.ledger.rows)
    days = data.month.days()
    return Charts(
        assessment_items=ASSESSMENT_ITEMS,
        events_per_day=bar_chart([(str(d.day), per_day.get(d, 0)) for d in days], title=words.events,
                                 empty=words.empty, label_every=5),
        alerts_by_severity=bar_chart([(words.severity[s.value], by_severity[s.value]) for s in Severity],
                                     title=words.alerts, empty=words.empty, width=320),
        top_searchers=bar_chart([(s.staff_id, s.count) for s in data.activity.top_searchers],
                                title=words.searchers, empty=words.empty),
        exports_per_day=bar_chart([(str(d.day), exports.get(d, 0)) for d in days], title=words.exports,
                                  empty=words.empty, label_every=5),
    )
