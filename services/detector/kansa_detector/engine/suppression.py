"""Per-rule suppression: the first finding for a suppress key opens a window and becomes the alert; later
findings inside the window raise its count and are re-emitted under the same id (downstream upserts)."""

from __future__ import annotations

from typing import Any

from kansa_detector.engine.fields import duration_us, to_us
from kansa_detector.engine.kinds.base import Finding
from kansa_detector.engine.store import StateStore
from kansa_schemas.alert import Alert, LocalisedText, alert_id_for
from kansa_schemas.rule import ResolvedRule

MAX_EVENT_IDS = 100  # an alert lists at most this many events; the count keeps the true total


def suppression_key(finding: Finding, rule_id: str) -> str:
    return f"{finding.tenant}|{rule_id}|~sup|{finding.suppress_key}"


def new_alert(rule: ResolvedRule, finding: Finding, reference_version: str) -> Alert:
    spec = rule.spec
    return Alert(
        alert_id=alert_id_for(spec.id, spec.version, finding.tenant, finding.key, finding.anchor),
        tenant=finding.tenant,
        rule_id=spec.id,
        rule_version=spec.version,
        severity=finding.severity or spec.severity,
        title=LocalisedText(ja=spec.title.ja, en=spec.title.en),
        action=LocalisedText(ja=spec.action.ja, en=spec.action.en),
        assessment_refs=spec.refs.assessments,
        actor_id=finding.actor_id,
        occurred_at=finding.occurred_at,
        key=finding.key,
        event_ids=finding.event_ids,
        reference_version=reference_version,
        details=finding.details,
    )


def suppress(
    store: StateStore, rule: ResolvedRule, finding: Finding, reference_version: str
) -> tuple[Alert, int | None]:
    """The alert to emit, and the window end to evict at when a new window was opened (else None)."""
    key = suppression_key(finding, rule.spec.id)
    at = to_us(finding.occurred_at)
    state = store.get(key)
    if state is not None and at < state["until"]:
        kept = Alert.model_validate(state["alert"])
        event_ids = kept.event_ids + tuple(e for e in finding.event_ids if e not in kept.event_ids)
        details: dict[str, Any] = {**kept.details, "last_occurred_at": finding.occurred_at.isoformat()}
        alert = kept.model_copy(update={"count": kept.count + 1, "event_ids": event_ids[:MAX_EVENT_IDS],
                                        "details": details})
        store.put(key, {"alert": alert.model_dump(mode="json"), "until": state["until"]})
        return alert, None
    alert = new_alert(rule, finding, reference_version)
    until = at + duration_us(rule.spec.suppress.window)
    store.put(key, {"alert": alert.model_dump(mode="json"), "until": until})
    return alert, until


def evict(store: StateStore, key: str, due: int) -> None:
    state = store.get(key)
    if state is not None and state["until"] <= due:
        store.delete(key)
