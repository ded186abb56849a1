"""Running a rule's `.cases.yaml` through the engine: the event builder and the expectation check.

Cases state only what matters; the builder fills the envelope and any required field of the action with a
neutral default. Shorthands: `id` (event_id), `at` (occurred_at), `actor: s001` (actor.id). An entry may
stand for many events: `repeat: N` with `every: <duration>` spaces copies in time, `daily: D` repeats the
whole series on D consecutive weekdays; `{i}` (copy), `{d}` (day) and `{n}` (running number) are replaced
in string values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import TypeAdapter

from kansa_detector.engine.core import Engine
from kansa_detector.engine.reference import StaticReference
from kansa_detector.engine.store import InMemoryStore
from kansa_schemas.alert import Alert
from kansa_schemas.events import EVENT_MODELS, Event, parse_event
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import Catalogue, CompositeRule, RuleCase, RuleCases, apply_overrides

CASE_TENANT = "271403"
CASE_REFERENCE_FROM = "2026-04-01T00:00:00+09:00"
_DURATION: TypeAdapter[dt.timedelta] = TypeAdapter(dt.timedelta)
_DATETIME: TypeAdapter[dt.datetime] = TypeAdapter(dt.datetime)

_MODELS = {action: model for model in EVENT_MODELS for action in get_args(model.model_fields["action"].annotation)}
# Neutral values for required action fields a case did not state.
_FIELD_DEFAULTS: dict[str, Any] = {
    "request_id": "R-1", "file_id": "F-1", "file_hash": "0" * 64, "device_id": "USB-1", "device_registered": True,
    "encrypted": True, "record_count": 1, "reason": "bad_password", "case_id": "C-1", "registered": True,
    "recipient_count": 1, "destination_id": "D-1", "permit_id": "P-1", "requester_org": "ORG-1",
    "contract_id": "K-1", "work_order_id": "W-1", "contractor_org": "CORP-1", "record_type": "record",
    "monitored_source": "SRC-1", "change_type": "transfer",
}
_FROM_ACTOR = frozenset({"applicant_id", "approver_id", "staff_id", "target_user_id"})
_FROM_TIME = frozenset({"effective_at", "valid_from", "valid_to"})
_EXPANSION = ("repeat", "every", "daily")


def build_event(spec: Mapping[str, Any], *, n: int, tenant: str = CASE_TENANT) -> Event:
    data = dict(spec)
    event_id = data.pop("id", None) or f"e{n:05d}"
    at = data.pop("at", None)
    actor = data.pop("actor", "s001")
    data.setdefault("event_id", event_id)
    if at is not None:
        data.setdefault("occurred_at", at)
    data.setdefault("tenant", tenant)
    data.setdefault("source_system", "CASE")
    data["actor"] = {"id": actor} if isinstance(actor, str) else actor
    model = _MODELS.get(str(data.get("action")))
    if model is not None:
        for name, field in model.model_fields.items():
            if name in data or not field.is_required():
                continue
            if name in _FROM_ACTOR:
                data[name] = data["actor"]["id"]
            elif name in _FROM_TIME:
                data[name] = data.get("occurred_at")
            elif name in _FIELD_DEFAULTS:
                data[name] = _FIELD_DEFAULTS[name]
    return parse_event(data)


def _substitute(value: Any, marks: Mapping[str, int]) -> Any:
    if isinstance(value, str):
        for mark, number in marks.items():
            value = value.replace("{" + mark + "}", str(number))
        return value
    if isinstance(value, dict):
        return {k: _substitute(v, marks) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, marks) for v in value]
    return value


def _weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    current = start
    while len(days) < count:
        if current.weekday() < 5:
            days.append(current)
        current += dt.timedelta(days=1)
    return days


def expand(entries: tuple[dict[str, Any], ...], tenant: str = CASE_TENANT) -> list[Event]:
    """Build the events of a case in the order listed (arrival order, not necessarily time order)."""
    events: list[Event] = []
    for entry in entries:
        repeat = int(entry.get("repeat", 1))
        every = _DURATION.validate_python(entry.get("every", "PT1M"))
        daily = int(entry.get("daily", 1))
        base = {k: v for k, v in entry.items() if k not in _EXPANSION}
        if repeat == 1 and daily == 1:
            events.append(build_event(base, n=len(events), tenant=tenant))
            continue
        start = _DATETIME.validate_python(base["at"])
        for d, day in enumerate(_weekdays_from(start.date(), daily)):
            day_start = dt.datetime.combine(day, start.timetz())
            for i in range(repeat):
                copy = _substitute(base, {"i": i, "d": d, "n": len(events)})
                copy["at"] = (day_start + i * every).isoformat()
                if "{" not in str(base.get("id", "")):  # ids must stay unique across copies
                    copy["id"] = f"{base.get('id', 'e')}-{len(events):05d}"
                events.append(build_event(copy, n=len(events), tenant=tenant))
    return events


def build_reference(cases: RuleCases, case: RuleCase, tenant: str = CASE_TENANT) -> StaticReference:
    raw = {**(cases.reference or {}), **(case.reference or {})}
    if not raw:
        return StaticReference()
    bundle = ReferenceBundle.model_validate({"tenant": tenant, "valid_from": CASE_REFERENCE_FROM, **raw})
    return StaticReference([bundle])


@dataclass(frozen=True)
class CaseResult:
    name: str
    alerts: list[Alert]
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(catalogue: Catalogue, cases: RuleCases, case: RuleCase, tenant: str = CASE_TENANT) -> CaseResult:
    """Run one case against its rule alone (so other rules cannot mask or add alerts). A composite rule runs with
    the rules it builds on, and only its own alerts are checked."""
    spec = catalogue.entry(cases.rule).spec
    rules = catalogue.only(cases.rule, *(spec.rule_refs() if isinstance(spec, CompositeRule) else ()))
    if case.params:
        rules = apply_overrides(rules, {tenant: {"rules": {cases.rule: {"params": case.params}}}})
    engine = Engine(rules, build_reference(cases, case, tenant), InMemoryStore(serialise=True),
                    lateness=case.lateness)
    latest: dict[str, Alert] = {}
    for event in expand(case.events, tenant):
        for alert in engine.process(event):
            latest[alert.alert_id] = alert
    for alert in engine.flush():
        latest[alert.alert_id] = alert
    alerts = [a for a in latest.values() if a.rule_id == cases.rule]
    return CaseResult(case.name, alerts, check(case, alerts))


def check(case: RuleCase, alerts: list[Alert]) -> list[str]:
    got = f"got {len(alerts)} alert(s): " + "; ".join(
        f"{a.severity.value} count={a.count} {a.details.get('reason')}" for a in alerts
    )
    failures = []
    if case.expect == "none":
        return [f"expected no alert, {got}"] if alerts else []
    if not alerts:
        return ["expected an alert, got none"]
    if case.alerts is not None and len(alerts) != case.alerts:
        failures.append(f"expected {case.alerts} alert(s), {got}")
    if case.count is not None and [a.count for a in alerts] != [case.count] * len(alerts):
        failures.append(f"expected count {case.count}, {got}")
    if case.severity is not None and any(a.severity != case.severity for a in alerts):
        failures.append(f"expected severity {case.severity.value}, {got}")
    if case.reason is not None and any(a.details.get("reason") != case.reason for a in alerts):
        failures.append(f"expected reason {case.reason}, {got}")
    return failures
