"""Which rules the report accounts for: the tenant's rule catalogue, plus any rule that alerted."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import AlertsSummary
from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.rule import ALL_ACTIONS, Catalogue, input_actions, input_families, load_catalogue

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[4] / "services" / "detector" / "rules"


class ReportedRule(BaseModel):
    """A rule as the report needs it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    title: LocalisedText
    assessment_refs: tuple[str, ...] = ()
    severity: Severity | None = None
    enabled: bool = True
    area: str = ""  # the catalogue's area (lifecycle, mynumber_use, ...); empty for a rule known only by its alerts
    # What "検査対象 N 件" counts: events with one of these actions; empty means every event.
    examined_actions: tuple[str, ...] = ()
    # The event families the rule needs; named when it could not be evaluated (source missing).
    sources: tuple[str, ...] = ()


def reported_rules(catalogue: Catalogue, tenant: str) -> tuple[ReportedRule, ...]:
    """Every rule of the catalogue as it runs for `tenant` (disabled ones too: the report says so)."""
    reported = []
    for rule in catalogue.rules_for(tenant):
        spec = rule.spec
        actions = input_actions(spec)
        reported.append(ReportedRule(
            rule_id=spec.id, title=spec.title, assessment_refs=spec.refs.assessments, severity=spec.severity,
            enabled=rule.enabled, area=spec.area.value,
            examined_actions=() if actions == ALL_ACTIONS else tuple(sorted(actions)),
            sources=input_families(spec),
        ))
    return tuple(reported)


def default_rules(tenant: str) -> tuple[ReportedRule, ...]:
    """The repository's catalogue without tenant overrides (for callers that pass no rules)."""
    return reported_rules(load_catalogue(DEFAULT_RULES_DIR), tenant)


def rules_to_report(
    alerts: AlertsSummary, rules: Sequence[ReportedRule] | None = None, tenant: str = "",
) -> tuple[ReportedRule, ...]:
    """`rules` (default: the repository's catalogue) plus every rule that alerted, so no alert goes unaccounted."""
    known = {r.rule_id: r for r in (default_rules(tenant) if rules is None else rules)}
    for group in alerts.groups:
        known.setdefault(group.rule_id, ReportedRule(
            rule_id=group.rule_id, title=group.title, assessment_refs=group.assessment_refs, severity=group.severity,
        ))
    return tuple(sorted(known.values(), key=lambda r: rule_sort_key(r.rule_id)))


def rule_sort_key(rule_id: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order, so DR-100 comes after DR-99."""
    parts = [p for p in re.split(r"(\d+)", rule_id) if p]
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)
