"""Audit of the auditors (III-8, and the log protection of §4.2-12): what officers did through the investigation
API in the month (searches, views, exports, triage) per action and per officer, and the requests refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import AUDIT_FAMILY, MonthlyData, OfficerActivity
from kansa_reporter.report.sections import SectionView
from kansa_schemas.events import ACTION_FAMILIES

ASSESSMENT_ITEMS = ("III-8", "requirements §4.2-12")
DENIED = "audit.denied"
# Every action of the family, in the schema's order (zero counts are printed, not dropped).
ACTIONS: tuple[str, ...] = tuple(a for a, family in ACTION_FAMILIES.items() if family == AUDIT_FAMILY)


class ActionLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    action: str
    count: int
    results: int  # records returned or exported (sum of kansa.result_count)


class Auditors(SectionView):
    actions: tuple[ActionLine, ...]
    officers: tuple[OfficerActivity, ...]
    total: int
    denied: int


def build(data: MonthlyData) -> Auditors:
    seen = {a.action for o in data.auditors.officers for a in o.actions}
    actions = (*ACTIONS, *sorted(seen - set(ACTIONS)))
    return Auditors(
        assessment_items=ASSESSMENT_ITEMS,
        actions=tuple(ActionLine(action=a, count=data.auditors.count(a), results=data.auditors.results_for(a))
                      for a in actions),
        officers=data.auditors.officers, total=data.auditors.total, denied=data.auditors.count(DENIED),
    )
