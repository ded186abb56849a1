"""§4.2 item 13: alerts by rule and severity with their disposition (triage state at the end of the month, how
resolved ones were classified, time to close), and one result line per rule, including every rule that found
nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import AlertGroup, MonthlyData, SeverityCount, TriageState, median_and_max
from kansa_reporter.report.rules import ReportedRule, rules_to_report
from kansa_reporter.report.sections import SectionView
from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.indices import JST
from kansa_schemas.triage import AlertStatus, Resolution

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


class Duration(BaseModel):
    """A span in whole minutes (seconds dropped), split for printing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: int
    hours: int
    minutes: int

    @classmethod
    def of(cls, seconds: int) -> Duration:
        minutes = seconds // 60
        return cls(days=minutes // 1440, hours=minutes % 1440 // 60, minutes=minutes % 60)


class Disposition(BaseModel):
    """Where one (rule, severity) group's alerts stood at the end of the month; the total row has no rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str | None
    severity: Severity | None
    title: LocalisedText | None
    alerts: int
    open: int  # no triage entry, or reopened
    acknowledged: int
    resolved: int
    true_positive: int
    false_positive: int
    benign: int
    close_median: Duration | None  # detection to the resolving step, over the resolved alerts
    close_max: Duration | None

    @property
    def unresolved(self) -> int:
        return self.open + self.acknowledged


class Alerts(SectionView):
    groups: tuple[AlertGroup, ...]
    total: int
    checks: tuple[CheckResult, ...]
    dispositions: tuple[Disposition, ...]  # one per group, in the groups' order
    disposition_total: Disposition
    as_of: dt.datetime  # triage steps recorded at or after it are not counted
    as_of_text: str  # as_of in JST, "YYYY-MM-DD HH:MM"
    at_period_end: bool  # as_of is the end of the month (the default; a later generation time otherwise)
    carried: tuple[SeverityCount, ...]  # earlier months' alerts still unresolved at as_of
    carried_total: int


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
    as_of = data.dispositions.as_of or data.month.end
    dispositions = tuple(
        _disposition(g.rule_id, g.severity, g.title, g.alerts, data.dispositions.in_group(g.rule_id, g.severity))
        for g in data.alerts.groups
    )
    return Alerts(
        assessment_items=ASSESSMENT_ITEMS, groups=data.alerts.groups, total=data.alerts.total, checks=tuple(checks),
        dispositions=dispositions,
        disposition_total=_disposition(None, None, None, data.alerts.total, data.dispositions.states),
        as_of=as_of, as_of_text=as_of.astimezone(JST).strftime("%Y-%m-%d %H:%M"),
        at_period_end=as_of == data.month.end, carried=data.dispositions.carried,
        carried_total=data.dispositions.carried_total,
    )


def _disposition(rule_id: str | None, severity: Severity | None, title: LocalisedText | None, alerts: int,
                 states: Iterable[TriageState]) -> Disposition:
    states = tuple(states)
    resolved = [s for s in states if s.status is AlertStatus.RESOLVED]
    acknowledged = sum(s.status is AlertStatus.ACKNOWLEDGED for s in states)
    spans = median_and_max(s.seconds_to_close for s in resolved if s.seconds_to_close is not None)
    return Disposition(
        rule_id=rule_id, severity=severity, title=title, alerts=alerts,
        # An alert with no entry is open; so is one whose latest step reopened it.
        open=max(0, alerts - acknowledged - len(resolved)), acknowledged=acknowledged, resolved=len(resolved),
        true_positive=sum(s.resolution is Resolution.TRUE_POSITIVE for s in resolved),
        false_positive=sum(s.resolution is Resolution.FALSE_POSITIVE for s in resolved),
        benign=sum(s.resolution is Resolution.BENIGN for s in resolved),
        close_median=Duration.of(spans[0]) if spans else None,
        close_max=Duration.of(spans[1]) if spans else None,
    )
