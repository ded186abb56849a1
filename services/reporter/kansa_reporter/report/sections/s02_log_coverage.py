"""§4.2 item 2 (first cut): events examined per family; a family with no events is listed with 0, not dropped."""

from __future__ import annotations

from kansa_reporter.es_queries import ActionCount, FamilyCount, MonthlyData
from kansa_reporter.report.sections import SectionView
from kansa_schemas.events import ACTION_FAMILIES

ASSESSMENT_ITEMS = ("requirements §4.2-2", "001 L307")


class LogCoverage(SectionView):
    total: int
    families: tuple[FamilyCount, ...]
    missing_families: tuple[str, ...]  # expected families that sent nothing this month


def build(data: MonthlyData) -> LogCoverage:
    seen = {f.family: f for f in data.events.families}
    expected = sorted(set(ACTION_FAMILIES.values()))
    families = [seen.get(name, FamilyCount(family=name, count=0, actions=_zero_actions(name))) for name in expected]
    families += [f for name, f in sorted(seen.items()) if name not in expected]
    return LogCoverage(
        assessment_items=ASSESSMENT_ITEMS, total=data.events.total, families=tuple(families),
        missing_families=tuple(name for name in expected if name not in seen),
    )


def _zero_actions(family: str) -> tuple[ActionCount, ...]:
    return tuple(ActionCount(action=a, count=0) for a, f in sorted(ACTION_FAMILIES.items()) if f == family)
