"""§4.2 item 13: alerts by rule and severity, and one result line per rule, including every rule that found nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import AlertGroup, MonthlyData
from kansa_reporter.report.rules import ReportedRule, rules_to_report
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import LocalisedText, Severity

ASSESSMENT_ITEMS = ("requirements §4.2-13",)


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    area: str
    title: LocalisedText
    assessment_refs: tuple[str, ...]
    severity: Severity | None
    alerts: int
    occurrences: int
    examined: int
    sources: tuple[str, ...]
    # found: alerts raised; none: events examined and nothing found; not_evaluable: no input events at all,
    # which must not read as a clean result (domain.md: "not evaluable: source missing"); disabled: switched
    # off for this tenant, which a self-inspection must show too.
    status: Literal["found", "none", "not_evaluable", "disabled"]


class Alerts(SectionView):
    groups: tuple[AlertGroup, ...]
    total: int
    checks: tuple[CheckResult, ...]


def build(data: MonthlyData, rules: Sequence[ReportedRule] | None = None) -> Alerts:
    checks = []
    for rule in rules_to_report(data.alerts, rules, data.tenant):
        groups = [g for g in data.alerts.groups if g.rule_id == rule.rule_id]
        alerts = sum(g.alerts for g in groups)
        examined = data.events.count(rule.examined_actions)
        checks.append(CheckResult(
            rule_id=rule.rule_id, area=rule.area, title=rule.title, assessment_refs=rule.assessment_refs,
            severity=rule.severity,
            alerts=alerts, occurrences=sum(g.occurrences for g in groups), examined=examined, sources=rule.sources,
            status="found" if alerts else (
                "disabled" if not rule.enabled else "none" if examined else "not_evaluable"),
        ))
    return Alerts(
        assessment_items=ASSESSMENT_ITEMS, groups=data.alerts.groups, total=data.alerts.total, checks=tuple(checks),
    )
