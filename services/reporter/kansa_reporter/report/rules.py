"""Which rules the report accounts for: the caller's catalogue, or the first-wave table, plus any rule that alerted."""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, TypeAdapter

from kansa_reporter.es_queries import AlertsSummary
from kansa_schemas.alert import LocalisedText, Severity


class ReportedRule(BaseModel):
    """A rule as the report needs it; built from the loaded rule catalogue by the caller."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str
    title: LocalisedText
    assessment_refs: tuple[str, ...] = ()
    severity: Severity | None = None
    # What "検査対象 N 件" counts: events with one of these actions or families; both empty means every event.
    examined_actions: tuple[str, ...] = ()
    examined_families: tuple[str, ...] = ()


_RULES = TypeAdapter(tuple[ReportedRule, ...])


def first_wave_rules() -> tuple[ReportedRule, ...]:
    text = resources.files(__package__).joinpath("first_wave_rules.yaml").read_text(encoding="utf-8")
    return _RULES.validate_python(yaml.safe_load(text))


def rules_to_report(alerts: AlertsSummary, rules: Sequence[ReportedRule] | None = None) -> tuple[ReportedRule, ...]:
    """`rules` (default: the first-wave table) plus every rule that alerted, so no alert goes unaccounted for."""
    known = {r.rule_id: r for r in (first_wave_rules() if rules is None else rules)}
    for group in alerts.groups:
        known.setdefault(group.rule_id, ReportedRule(
            rule_id=group.rule_id, title=group.title, assessment_refs=group.assessment_refs, severity=group.severity,
        ))
    return tuple(sorted(known.values(), key=lambda r: rule_sort_key(r.rule_id)))


def rule_sort_key(rule_id: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order, so DR-100 comes after DR-99."""
    parts = [p for p in re.split(r"(\d+)", rule_id) if p]
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)
