"""What every kind evaluator shares: the rule it runs, its filters, keys, and the findings it returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kansa_detector.engine.fields import Matcher, render_key
from kansa_detector.engine.reference import ReferenceView
from kansa_detector.engine.store import StateStore
from kansa_schemas.alert import Severity
from kansa_schemas.events import Event
from kansa_schemas.rule import ResolvedRule, SeverityWhen, input_actions

Detail = str | int | float | bool | None


@dataclass(frozen=True)
class Finding:
    """One violation as a kind sees it; the engine turns it into an Alert (or a count on one)."""

    tenant: str
    key: str
    suppress_key: str
    anchor: str
    actor_id: str
    occurred_at: dt.datetime
    event_ids: tuple[str, ...]
    details: dict[str, Detail] = field(default_factory=dict)
    severity: Severity | None = None


class Grades:
    """A match's `severity_by`: the first grade whose selection the event matches sets the severity (None: the
    rule's own)."""

    def __init__(self, grades: Iterable[SeverityWhen]) -> None:
        self._grades = tuple((Matcher(g.when), g.severity) for g in grades)

    def __call__(self, event: Event) -> Severity | None:
        return next((severity for matcher, severity in self._grades if matcher(event)), None)


@dataclass(frozen=True)
class Context:
    store: StateStore
    view: ReferenceView
    schedule: Callable[[str, str, dt.datetime], None]
    """schedule(rule_id, state_key, due): call the rule's on_timer once the watermark reaches due."""
    count: Callable[[str], None]
    """count(stat): bump an engine statistic, e.g. "not_evaluable"."""


class RuleEvaluator:
    """Base for kinds. One instance per (tenant, rule); holds no event state itself (that lives in the store)."""

    def __init__(self, rule: ResolvedRule) -> None:
        self.rule = rule
        self.rule_id = rule.spec.id
        self._filters = tuple(Matcher(s) for s in rule.spec.match.filters.values())
        self.inputs = input_actions(rule.spec)

    def excluded(self, event: Event) -> bool:
        return any(f(event) for f in self._filters)

    def state_key(self, tenant: str, key: str) -> str:
        return f"{tenant}|{self.rule_id}|{key}"

    def key_of(self, event: Event, ctx: Context) -> tuple[str, tuple[str, ...]]:
        return render_key(self.rule.spec.key, event, ctx.view.timezone)

    def finding(
        self,
        event: Event,
        ctx: Context,
        *,
        anchor: str | None = None,
        event_ids: tuple[str, ...] | None = None,
        details: dict[str, Detail] | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        tz = ctx.view.timezone
        key, _ = render_key(self.rule.spec.key, event, tz)
        suppress_key, _ = render_key(self.rule.spec.suppress.key, event, tz)
        return Finding(
            tenant=event.tenant,
            key=key,
            suppress_key=suppress_key,
            anchor=anchor or event.event_id,
            actor_id=event.actor.id,
            occurred_at=event.occurred_at,
            event_ids=event_ids or (event.event_id,),
            details=details or {},
            severity=severity,
        )

    def on_event(self, event: Event, ctx: Context) -> list[Finding]:
        raise NotImplementedError

    def on_timer(self, state_key: str, due: dt.datetime, ctx: Context) -> list[Finding]:
        """Default: timers are only used to expire state."""
        return []
