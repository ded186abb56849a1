"""§4.2 item 15: findings and corrective actions with owners and due dates, entered with the attestations; and,
so a 所属長 sees them, every rule whose alerts this month were resolved as true positives (要検討)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.profile import Attestations, FindingStatus
from kansa_reporter.report.rules import rule_sort_key
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import LocalisedText
from kansa_schemas.triage import AlertStatus, IncidentClass, Resolution

ASSESSMENT_ITEMS = ("III-8", "requirements §4.2-15")


class FindingLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    related: tuple[str, ...]
    description: str
    corrective_action: str
    owner: str
    due: dt.date
    status: FindingStatus
    overdue: bool  # not done and its due date passed by the end of the month


class ReviewItem(BaseModel):
    """A rule with true positives among the month's alerts (resolved by the end of the month)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    title: LocalisedText
    true_positives: int
    incidents: int  # of those, classified 事案
    serious: int  # of those, classified 重大事故
    covered_by: tuple[str, ...]  # ids of the entered findings that name the rule in `related`


class Findings(SectionView):
    entered: bool  # an attestations file was given (it may still hold no finding)
    findings: tuple[FindingLine, ...]
    review: tuple[ReviewItem, ...]


def build(data: MonthlyData, attestations: Attestations | None) -> Findings:
    given = attestations.findings if attestations else ()
    findings = tuple(
        FindingLine(**f.model_dump(), overdue=f.status != "done" and f.due <= data.month.last_day) for f in given)
    titles = {g.rule_id: g.title for g in data.alerts.groups}
    positives: dict[str, list[IncidentClass | None]] = {}
    for state in data.dispositions.states:
        if state.status is AlertStatus.RESOLVED and state.resolution is Resolution.TRUE_POSITIVE:
            positives.setdefault(state.rule_id, []).append(state.incident)
    review = tuple(
        ReviewItem(
            rule_id=rule_id, title=titles.get(rule_id, LocalisedText(ja=rule_id, en=rule_id)),
            true_positives=len(classes), incidents=classes.count(IncidentClass.INCIDENT),
            serious=classes.count(IncidentClass.SERIOUS),
            covered_by=tuple(f.id for f in findings if rule_id in f.related),
        )
        for rule_id, classes in sorted(positives.items(), key=lambda item: rule_sort_key(item[0]))
    )
    return Findings(assessment_items=ASSESSMENT_ITEMS, entered=attestations is not None, findings=findings,
                    review=review)
